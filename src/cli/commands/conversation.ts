/**
 * `convmem show`, `convmem ttl` and `convmem delete`: one conversation's fields, values, size
 * and TTL, through `memory.items()`, `getMemorySize()`, `getTtl()`, `setTtl()` and
 * `manager.cleanupConversation()`.
 */
import { jsonCodec } from "../../index.js";
import { parseTtl, YES_OPTION } from "../args.js";
import { type Command, notFound, readConversation } from "../command.js";
import {
  encodedTree,
  formatBytes,
  formatTtl,
  keyValues,
  printable,
  table,
  truncate,
  width,
} from "../format.js";
import { confirmAction, refuseUnattended } from "../prompt.js";

/** Narrowest the VALUE column of `show` gets, however narrow the terminal. */
const MIN_VALUE_COLUMNS = 20;

/** `convmem show <id>` */
export const show: Command = {
  name: "show",
  summary: "every field and value of a conversation, its TTL and size",
  args: "<id>",
  details:
    'Values are shown as compact JSON, as stored (bytes as {"$bytes":"<base64>"}); list\n' +
    "fields (such as messages) as arrays. On a terminal (or with $COLUMNS set) each value is\n" +
    "cut to the terminal width, ending in …; --full prints values whole. --json always\n" +
    "carries whole values, in the same encoding.",
  example: "show conv_123 --full",
  options: { full: { type: "boolean", description: "print values whole, however wide" } },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""], values }) {
    const { memory, items, ttl } = await readConversation(ctx, id);
    const size = await memory.getMemorySize();
    if (ctx.json) {
      ctx.printJson({
        conversationId: id,
        ttl,
        totalFields: size.totalFields,
        totalSizeBytes: size.totalSizeBytes,
        sizes: size.fields,
        fields: Object.fromEntries(items.map(([field, value]) => [field, encodedTree(value)])),
      });
      return 0;
    }
    ctx.print(
      keyValues([
        ["conversation", printable(id)],
        ["ttl", formatTtl(ttl)],
        ["fields", String(items.length)],
        ["bytes", `${size.totalSizeBytes} (${formatBytes(size.totalSizeBytes)})`],
      ]),
    );
    ctx.print("");
    const rows = items.map(([field, value]) => [
      printable(field),
      String(size.fields[field] ?? ""),
      printable(jsonCodec.encode(value)),
    ]);
    const columns = values.full === true ? undefined : ctx.columns;
    let cut = 0;
    if (columns !== undefined) {
      // FIELD and BYTES columns, each followed by two spaces, come before the value.
      const before = [0, 1].reduce(
        (n, i) => n + 2 + Math.max(width(["FIELD", "BYTES"][i] ?? ""), ...rows.map((r) => width(r[i] ?? ""))),
        0,
      );
      const room = Math.max(MIN_VALUE_COLUMNS, columns - before);
      for (const row of rows) {
        const value = row[2] ?? "";
        const shown = truncate(value, room);
        if (shown !== value) cut++;
        row[2] = shown;
      }
    }
    ctx.print(table(["FIELD", "BYTES", "VALUE"], rows, ["left", "right", "left"]));
    if (cut > 0)
      ctx.note(`${cut} value${cut === 1 ? "" : "s"} cut to ${columns} columns; --full prints them whole`);
    return 0;
  },
};

/** `convmem ttl <id> [duration|none]` */
export const ttl: Command = {
  name: "ttl",
  summary: "show a conversation's TTL, or set it (a duration, or none = never expires)",
  args: "<id> [duration|none]",
  details:
    "The TTL is a duration as cleanup takes it: 90s, 15m, 2h, 7d (or 1.5h) or plain seconds;\n" +
    '"none" (or "never") means the conversation never expires. Setting applies now to every\n' +
    "field and sticks: later writes from any process renew the conversation to this TTL.\n" +
    "A conversation that does not exist is reported as not found (exit 1); with --create the\n" +
    "TTL is set anyway and applies from the conversation's first write.",
  example: "ttl conv_123 7d",
  options: {
    create: {
      type: "boolean",
      description: "set the TTL of a conversation that does not exist yet (applies from its first write)",
    },
  },
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { positionals: [id = "", value], values }) {
    const wanted = value === undefined ? undefined : parseTtl(value, "ttl");
    const memory = ctx.manager().getMemory(id);
    const before = await memory.getTtl();
    if (before === undefined && (wanted === undefined || values.create !== true)) throw notFound(id);
    if (wanted !== undefined) await memory.setTtl(wanted);
    const current = wanted === undefined ? before : await memory.getTtl();
    // Set on a conversation without fields (--create): the setting waits for its first write.
    const shown = current === undefined ? wanted : current;
    if (ctx.json) {
      ctx.printJson({ conversationId: id, ttl: shown ?? null, exists: current !== undefined });
    } else {
      const pending = current === undefined ? " (applies from the conversation's first write)" : "";
      ctx.print(`${wanted === undefined ? "ttl" : "ttl set"}: ${formatTtl(shown)}${pending}`);
    }
    return 0;
  },
};

/** `convmem delete <id>` */
export const deleteCommand: Command = {
  name: "delete",
  summary: "delete a conversation: every field, its messages and its TTL setting",
  args: "<id>",
  details:
    "Asks for confirmation when stdin is a terminal; --yes skips the question. Without a\n" +
    "terminal and without --yes it refuses (exit 2) and deletes nothing. A conversation that\n" +
    "does not exist is reported as not found (exit 1).",
  example: "delete conv_123 --yes",
  options: YES_OPTION,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""], values }) {
    const yes = values.yes === true;
    refuseUnattended(ctx, yes, `delete conversation ${JSON.stringify(id)}`, "delete");
    const memory = ctx.manager().getMemory(id);
    const fields = (await memory.keys()).length;
    if (fields === 0) throw notFound(id);
    const action = `delete conversation ${JSON.stringify(id)} (${fields} field${fields === 1 ? "" : "s"})`;
    await confirmAction(ctx, yes, action, "delete");
    const removedFields = await ctx.manager().cleanupConversation(id);
    if (ctx.json) ctx.printJson({ conversationId: id, deleted: true, removedFields });
    else ctx.print(`deleted conversation ${printable(id)} (${removedFields} fields)`);
    return 0;
  },
};
