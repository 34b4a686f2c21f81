/**
 * `convmem show` and `convmem ttl`: one conversation's fields, values, size and TTL, through
 * `memory.items()`, `getMemorySize()`, `getTtl()` and `setTtl()`.
 */
import { parseTtl } from "../args.js";
import { type Command, notFound, readConversation } from "../command.js";
import { formatBytes, formatTtl, keyValues, printable, table } from "../format.js";

/** `convmem show <id>` */
export const show: Command = {
  name: "show",
  summary: "every field and value of a conversation, its TTL and size",
  args: "<id>",
  details: "Values are shown as compact JSON; list fields (such as messages) as arrays.",
  example: "show conv_123",
  options: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""] }) {
    const { memory, items, ttl } = await readConversation(ctx, id);
    const size = await memory.getMemorySize();
    if (ctx.json) {
      ctx.printJson({
        conversationId: id,
        ttl,
        totalFields: size.totalFields,
        totalSizeBytes: size.totalSizeBytes,
        sizes: size.fields,
        fields: Object.fromEntries(items),
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
      JSON.stringify(value),
    ]);
    ctx.print(table(["FIELD", "BYTES", "VALUE"], rows, ["left", "right", "left"]));
    return 0;
  },
};

/** `convmem ttl <id> [seconds|none]` */
export const ttl: Command = {
  name: "ttl",
  summary: "show a conversation's TTL, or set it (seconds, or none = never expires)",
  args: "<id> [seconds|none]",
  details:
    "Setting applies now to every field and sticks: later writes from any process renew the\n" +
    "conversation to this TTL.",
  example: "ttl conv_123 86400",
  options: {},
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { positionals: [id = "", value] }) {
    const wanted = value === undefined ? undefined : parseTtl(value, "ttl");
    const memory = ctx.manager().getMemory(id);
    if (wanted !== undefined) await memory.setTtl(wanted);
    const current = await memory.getTtl();
    if (current === undefined && wanted === undefined) throw notFound(id);
    // Set on a conversation without fields: the setting waits for its first write.
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
