/**
 * `convmem messages` and `convmem tail`: the conversation history through `getMessages()` and
 * `getMessageCount()`; `tail` polls for new messages until SIGINT or SIGTERM.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type ConversationMemory, jsonCodec, type Message } from "../../index.js";
import { checkpointLines, itemLine, LANGGRAPH_LOG } from "../adapter-lines.js";
import { countOption, stringOption } from "../args.js";
import { type Command, type CommandContext, notFound } from "../command.js";
import { CliError } from "../errors.js";
import { encodedTree, messageLine } from "../format.js";

/** The adapters' default history fields, printed by `convmem messages` when present. */
const ADAPTER_FIELDS = [
  { field: "agent_items", title: "agent items" },
  { field: "ui_messages", title: "UI messages" },
] as const;

/** `convmem messages <id> [--limit N] [--before ID] [--max-tokens N] [--field F]` */
export const messages: Command = {
  name: "messages",
  summary: "a conversation's messages, oldest first, one line each (time, role, content)",
  args: "<id>",
  details:
    "A conversation that does not exist is reported as not found (exit 1). --before pages back " +
    "(the messages older than that message id; an unknown id exits 1); --max-tokens keeps the " +
    "newest messages that fit the budget under the default count (ceil(bytes / 4) per message).\n" +
    "The framework adapters' histories — OpenAI Agents session items (agent_items) and AI SDK UI " +
    "messages (ui_messages), or the list field given with --field — follow under their own headings " +
    "(type or role, text), the newest --limit of each; a LangGraph thread's checkpoints (time, id, " +
    "step, source) after them, the newest --limit (default 20).",
  example: "messages conv_123 --limit 20 --before sms-4711",
  options: {
    limit: { type: "string", value: "N", description: "only the last N messages (and items)" },
    before: { type: "string", value: "ID", description: "only messages older than message ID" },
    "max-tokens": { type: "string", value: "N", description: "only the newest messages that fit N tokens" },
    field: {
      type: "string",
      value: "F",
      description: "also print list field F (agent items or UI messages)",
    },
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""], values }) {
    const limit = countOption(values, "limit", 0, "messages");
    const maxTokens = countOption(values, "max-tokens", 0, "messages");
    const before = stringOption(values, "before");
    const extra = stringOption(values, "field");
    const memory = ctx.manager().getMemory(id);
    const history = await memory.getMessages({
      ...(limit === undefined ? {} : { limit }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(before === undefined ? {} : { before }),
    });
    const wanted = [
      ...ADAPTER_FIELDS.map((a) => ({ ...a })),
      ...(extra === undefined ? [] : [{ field: extra, title: extra }]),
    ];
    const sections: Array<{ field: string; title: string; items: unknown[] }> = [];
    for (const { field, title } of wanted) {
      if (sections.some((s) => s.field === field)) continue;
      if (!(await memory.has(field))) {
        if (field === extra) throw notFoundField(id, field);
        continue;
      }
      const items = await memory.getList(field, limit === undefined ? {} : { start: -limit });
      sections.push({ field, title, items: limit === 0 ? [] : items });
    }
    const checkpoints = (await memory.has(LANGGRAPH_LOG)) ? await checkpointLines(memory, limit ?? 20) : [];
    // An empty history is either a conversation without messages (fine) or none at all.
    const empty = history.length === 0 && sections.length === 0 && checkpoints.length === 0;
    if (empty && (await memory.getTtl()) === undefined) throw notFound(id);
    if (ctx.json) {
      if (sections.length === 0) ctx.printJson(encodedTree(history));
      else
        ctx.printJson({
          messages: encodedTree(history),
          ...Object.fromEntries(sections.map((s) => [s.field, encodedTree(s.items)])),
        });
      return 0;
    }
    if ((sections.length > 0 || checkpoints.length > 0) && history.length > 0) ctx.print("== messages ==");
    for (const message of history) ctx.print(messageLine(message));
    for (const section of sections) {
      ctx.print(`== ${section.title} (${section.field}) ==`);
      for (const item of section.items) ctx.print(itemLine(item));
    }
    if (checkpoints.length > 0) {
      ctx.print(`== LangGraph checkpoints (${LANGGRAPH_LOG}, newest ${checkpoints.length}) ==`);
      for (const line of checkpoints) ctx.print(line);
    }
    return 0;
  },
};

/** `--field F` that the conversation does not have. */
function notFoundField(id: string, field: string): CliError {
  return new CliError(
    `conversation ${JSON.stringify(id)} has no field ${JSON.stringify(field)}`,
    "ERR_NOT_FOUND",
  );
}

/** Identifies a message within the history (ids are unique while held). */
const keyOf = (m: Message) => `${m.timestamp}\u0000${m.id}`;

/** What `tail` has printed so far. */
interface Seen {
  last: string | undefined;
  count: number;
}

/**
 * The messages added since `seen`: one O(1) read of the newest message when nothing changed;
 * otherwise a window of the newest messages, doubled until it reaches the last one printed
 * (so rotation by `maxMessages`, which keeps the count constant, is followed too).
 */
async function newMessages(memory: ConversationMemory, seen: Seen): Promise<Message[]> {
  const [newest] = await memory.getMessages({ limit: 1 });
  if (newest === undefined) {
    seen.last = undefined; // history cleared or expired: print whatever comes next
    seen.count = 0;
    return [];
  }
  if (keyOf(newest) === seen.last) return [];
  const count = await memory.getMessageCount();
  let window = Math.max(1, count - seen.count);
  for (;;) {
    const batch = await memory.getMessages({ limit: window });
    const at = seen.last === undefined ? -1 : batch.findIndex((m) => keyOf(m) === seen.last);
    if (at >= 0 || batch.length < window || window >= count) {
      const fresh = batch.slice(at + 1);
      const latest = batch.at(-1);
      seen.last = latest === undefined ? undefined : keyOf(latest);
      seen.count = count;
      return fresh;
    }
    window = Math.min(count, window * 2);
  }
}

function printMessages(ctx: CommandContext, list: readonly Message[]): void {
  for (const message of list) ctx.print(ctx.json ? jsonCodec.encode(message) : messageLine(message));
}

/** `convmem tail <id> [--limit N] [--interval ms]` */
export const tail: Command = {
  name: "tail",
  summary: "print the last messages, then follow new ones until Ctrl-C (SIGINT) or SIGTERM",
  args: "<id>",
  details:
    "With --json, prints one JSON message per line (NDJSON). A conversation that does not\n" +
    "exist when tail starts is reported as not found (exit 1).",
  example: "tail conv_123 --interval 500",
  options: {
    limit: { type: "string", value: "N", description: "messages to print first (default: 10)" },
    interval: { type: "string", value: "MS", description: "poll interval in milliseconds (default: 1000)" },
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""], values }) {
    const limit = countOption(values, "limit", 0, "tail") ?? 10;
    const interval = countOption(values, "interval", 10, "tail") ?? 1000;
    const memory = ctx.manager().getMemory(id);
    if ((await memory.getTtl()) === undefined) throw notFound(id);

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      // At least the newest message is read, so following starts after it even with --limit 0.
      const first = await memory.getMessages({ limit: Math.max(limit, 1) });
      const latest = first.at(-1);
      const seen: Seen = { last: latest && keyOf(latest), count: await memory.getMessageCount() };
      printMessages(ctx, first.slice(first.length - limit));
      ctx.note(`following ${JSON.stringify(id)} every ${interval} ms; Ctrl-C to stop`);
      while (!stop.signal.aborted) {
        await sleep(interval, undefined, { signal: stop.signal }).catch(() => undefined);
        if (stop.signal.aborted) break;
        printMessages(ctx, await newMessages(memory, seen));
      }
    } finally {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
    return 0;
  },
};
