/**
 * `convmem stats` and `convmem list`: the whole namespace at a glance, read from the
 * conversation registry through `manager.getStats()` and `manager.conversations()`.
 */
import { countOption } from "../args.js";
import type { Command } from "../command.js";
import { formatBytes, isoTime, keyValues, printable, table } from "../format.js";

/** `convmem stats` */
export const stats: Command = {
  name: "stats",
  summary: "totals over every live conversation: conversations, fields, bytes",
  args: "",
  example: "stats --json",
  options: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    const result = await ctx.manager().getStats();
    let totalFields = 0;
    let totalSizeBytes = 0;
    for (const c of result.conversations) {
      totalFields += c.totalFields;
      totalSizeBytes += c.totalSizeBytes;
    }
    if (ctx.json) {
      ctx.printJson({ totalConversations: result.totalConversations, totalFields, totalSizeBytes });
    } else {
      ctx.print(
        keyValues([
          ["conversations", String(result.totalConversations)],
          ["fields", String(totalFields)],
          ["bytes", `${totalSizeBytes} (${formatBytes(totalSizeBytes)})`],
        ]),
      );
    }
    return 0;
  },
};

/** `convmem list` */
export const list: Command = {
  name: "list",
  summary: "live conversations with their fields, bytes and last activity",
  args: "",
  details: "Conversations are listed in registry order, streamed in batches (constant memory).",
  example: "list --limit 20",
  options: { limit: { type: "string", value: "N", description: "list at most N conversations" } },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, { values }) {
    const limit = countOption(values, "limit", 1, "list") ?? Number.POSITIVE_INFINITY;
    const rows: Array<{
      conversationId: string;
      totalFields: number;
      totalSizeBytes: number;
      lastActivity: string;
    }> = [];
    for await (const c of ctx.manager().conversations()) {
      const { conversationId, totalFields, totalSizeBytes } = c;
      rows.push({ conversationId, totalFields, totalSizeBytes, lastActivity: isoTime(c.lastActivity) });
      if (rows.length >= limit) break;
    }
    if (ctx.json) {
      ctx.printJson(rows);
      return 0;
    }
    if (rows.length === 0) {
      ctx.note("no conversations");
      return 0;
    }
    ctx.print(
      table(
        ["ID", "FIELDS", "BYTES", "LAST ACTIVITY"],
        rows.map((r) => [
          printable(r.conversationId),
          String(r.totalFields),
          String(r.totalSizeBytes),
          r.lastActivity,
        ]),
        ["left", "right", "right", "left"],
      ),
    );
    return 0;
  },
};
