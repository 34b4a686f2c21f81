/**
 * `convmem stats` and `convmem list`: the whole namespace at a glance, read from the
 * conversation registry through `manager.getStats()` and `manager.conversations()`; `list`
 * sorts and filters within a bounded scan (`--scan`), holding at most 2 × `--limit` rows.
 */
import type { ConversationInfo } from "../../index.js";
import { countOption, type OptionValues, stringOption } from "../args.js";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { formatBytes, isoTime, keyValues, printable, table } from "../format.js";
import { didYouMean } from "../suggest.js";

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

/** Conversations `list` reads from the registry unless `--scan` says otherwise. */
export const DEFAULT_SCAN = 10_000;
/** Rows `list` prints unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 100;

/** What `list` orders by. */
export type ListSort = "activity" | "size";
const SORTS: readonly ListSort[] = ["activity", "size"];

/** Orders rows newest first (`activity`) or largest first (`size`); ties by id, so output is stable. */
export function compareRows(sort: ListSort): (a: ConversationInfo, b: ConversationInfo) => number {
  const byId = (a: ConversationInfo, b: ConversationInfo) =>
    a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;
  if (sort === "size") return (a, b) => b.totalSizeBytes - a.totalSizeBytes || byId(a, b);
  return (a, b) => b.lastActivity - a.lastActivity || byId(a, b);
}

/**
 * The first `limit` of `rows` in `compare` order, in O(limit) memory: keeps at most 2 × limit
 * and sorts back down to `limit` when full (O(n log limit) overall).
 */
export class TopN<T> {
  private rows: T[] = [];
  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}
  add(row: T): void {
    this.rows.push(row);
    if (this.rows.length >= 2 * this.limit) this.shrink();
  }
  result(): T[] {
    this.shrink();
    return this.rows;
  }
  private shrink(): void {
    this.rows.sort(this.compare);
    this.rows.length = Math.min(this.rows.length, this.limit);
  }
}

function sortOption(values: OptionValues): ListSort {
  const text = stringOption(values, "sort") ?? "activity";
  const sort = SORTS.find((s) => s === text);
  if (sort === undefined) {
    throw new UsageError(
      `--sort must be ${SORTS.join(" or ")}, got ${JSON.stringify(text)}${didYouMean(text, SORTS, (v) => JSON.stringify(v))}`,
      "list",
    );
  }
  return sort;
}

function scanOption(values: OptionValues): number {
  if (stringOption(values, "scan") === "all") return Number.POSITIVE_INFINITY;
  return countOption(values, "scan", 1, "list") ?? DEFAULT_SCAN;
}

/** `convmem list` */
export const list: Command = {
  name: "list",
  summary: "live conversations with their fields, bytes and last activity, newest first",
  args: "",
  details:
    "Rows are sorted by last activity, newest first (--sort activity, the default), or by\n" +
    "size, largest first (--sort size); --id-prefix keeps only ids starting with it (the\n" +
    "global --prefix is the key namespace, not an id filter).\n" +
    "\n" +
    "Cost is bounded: list reads at most --scan conversations from the registry (default\n" +
    `${DEFAULT_SCAN}; "all" reads every one) in registry order, which is neither time nor size, then\n` +
    "sorts what it read and prints the first --limit rows (memory O(--limit)). Within the\n" +
    "scan bound the order is exact; past it, the rows are the newest (or largest) of the\n" +
    "conversations scanned, not of all, and a note on stderr says so. --id-prefix does not\n" +
    "lower the cost: ids are spread over the registry by hash, so every scanned conversation\n" +
    "is read. The registry is read in steps of 512 of its 16384 buckets, so even a small\n" +
    "--scan reads one step (about 1/32 of the conversations).",
  example: "list --sort size --id-prefix user_42: --limit 20",
  options: {
    sort: {
      type: "string",
      value: "activity|size",
      description: "order: newest first (default) or largest first",
    },
    "id-prefix": {
      type: "string",
      value: "TEXT",
      description: "only conversations whose id starts with TEXT",
    },
    limit: {
      type: "string",
      value: "N",
      description: `print at most N conversations (default: ${DEFAULT_LIST_LIMIT})`,
    },
    scan: {
      type: "string",
      value: "N|all",
      description: `read at most N conversations from the registry (default: ${DEFAULT_SCAN})`,
    },
  },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, { values }) {
    const sort = sortOption(values);
    const limit = countOption(values, "limit", 1, "list") ?? DEFAULT_LIST_LIMIT;
    const scanLimit = scanOption(values);
    const idPrefix = stringOption(values, "id-prefix") ?? "";
    const top = new TopN(limit, compareRows(sort));
    const batchSize = Math.min(500, scanLimit);
    let scanned = 0;
    let matched = 0;
    let complete = true;
    for await (const c of ctx.manager().conversations({ batchSize })) {
      if (scanned >= scanLimit) {
        complete = false; // one more exists past the bound
        break;
      }
      scanned++;
      if (!c.conversationId.startsWith(idPrefix)) continue;
      matched++;
      top.add(c);
    }
    const rows = top.result().map(({ conversationId, totalFields, totalSizeBytes, lastActivity }) => ({
      conversationId,
      totalFields,
      totalSizeBytes,
      lastActivity,
    }));
    if (ctx.json) ctx.printJson(rows);
    else if (rows.length > 0) {
      ctx.print(
        table(
          ["ID", "FIELDS", "BYTES", "LAST ACTIVITY"],
          rows.map((r) => [
            printable(r.conversationId),
            String(r.totalFields),
            String(r.totalSizeBytes),
            isoTime(r.lastActivity),
          ]),
          ["left", "right", "right", "left"],
        ),
      );
    }
    const what =
      idPrefix === "" ? "conversations" : `conversations with ids starting ${JSON.stringify(idPrefix)}`;
    if (!complete) {
      ctx.note(
        `stopped after scanning ${scanned} conversations (--scan) and more exist: the order is exact ` +
          `within those ${scanned} only (${matched} ${what} among them, ${rows.length} shown); ` +
          "--scan all reads every conversation",
      );
    } else if (matched > rows.length) {
      ctx.note(`${rows.length} of ${matched} ${what} shown (--limit ${limit})`);
    } else if (rows.length === 0 && !ctx.json) {
      ctx.note(`no ${what}`);
    }
    return 0;
  },
};
