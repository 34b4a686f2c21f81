/**
 * `convmem cleanup --max-age <duration> [--dry-run]`: removes conversations whose last write
 * is older than the given age through `manager.cleanupExpiredConversations`, with a progress
 * bar on a terminal; `--dry-run` only counts them.
 */
import type { MemoryManager } from "../../index.js";
import { parseDuration, stringOption } from "../args.js";
import type { Command, CommandContext } from "../command.js";
import { UsageError } from "../errors.js";
import { type CleanupProgress, formatDuration, progressBar } from "../format.js";

/** Redraws the bar at most this often (ms). */
const REDRAW_MS = 80;

/**
 * Counts the live conversations a cleanup with `maxAgeSeconds` would remove: those whose last
 * activity is older than the store clock's now minus the age — the cutoff the cleanup uses.
 * Reads only; deletes nothing.
 */
async function countOlder(
  manager: MemoryManager,
  maxAgeSeconds: number,
): Promise<{ wouldRemove: number; total: number }> {
  const cutoff = (await manager.store.serverTime()) - maxAgeSeconds * 1000;
  let wouldRemove = 0;
  let total = 0;
  for await (const c of manager.conversations()) {
    total++;
    if (c.lastActivity < cutoff) wouldRemove++;
  }
  return { wouldRemove, total };
}

/** An `onProgress` that draws the activity bar on a terminal's stderr, and its `finish()`. */
function progressReporter(ctx: CommandContext) {
  const tty = ctx.stderr.isTTY === true;
  let frame = 0;
  let drawnAt = 0;
  let last: CleanupProgress | undefined;
  const draw = (progress: CleanupProgress) => ctx.stderr.write(`\r${progressBar(progress, frame++)}\x1b[K`);
  return {
    onProgress(progress: CleanupProgress) {
      last = progress;
      if (!tty || Date.now() - drawnAt < REDRAW_MS) return;
      drawnAt = Date.now();
      draw(progress);
    },
    finish() {
      if (tty && last !== undefined) {
        draw(last);
        ctx.stderr.write("\n");
      }
      return last ?? { scanned: 0, removed: 0 };
    },
  };
}

/** `convmem cleanup` */
export const cleanup: Command = {
  name: "cleanup",
  summary: "remove conversations whose last write is older than --max-age",
  args: "",
  details:
    "DURATION is 90s, 30m, 24h, 7d (or 1.5h) or plain seconds. Conversations Redis already\n" +
    "expired are forgotten too (not counted as removed). The cost grows with the number removed,\n" +
    "not with the number stored. On a terminal a progress bar is drawn on stderr.",
  example: "cleanup --max-age 7d --dry-run",
  options: {
    "max-age": {
      type: "string",
      value: "DURATION",
      description: "remove conversations idle longer than this",
    },
    "dry-run": { type: "boolean", description: "delete nothing; report how many would be removed" },
  },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, { values }) {
    const maxAgeText = stringOption(values, "max-age");
    if (maxAgeText === undefined) throw new UsageError("--max-age is required", "cleanup");
    const maxAgeSeconds = parseDuration(maxAgeText, "--max-age", "cleanup");
    const age = formatDuration(maxAgeSeconds);
    const manager = ctx.manager();
    if (values["dry-run"] === true) {
      const { wouldRemove, total } = await countOlder(manager, maxAgeSeconds);
      if (ctx.json) ctx.printJson({ dryRun: true, maxAgeSeconds, wouldRemove, total });
      else ctx.print(`dry run: would remove ${wouldRemove} of ${total} conversations idle for over ${age}`);
      return 0;
    }
    const reporter = progressReporter(ctx);
    let scanned = 0;
    let removed: number;
    try {
      removed = await manager.cleanupExpiredConversations({ maxAgeSeconds, onProgress: reporter.onProgress });
    } finally {
      scanned = reporter.finish().scanned;
    }
    if (ctx.json) ctx.printJson({ dryRun: false, maxAgeSeconds, removed, scanned });
    else ctx.print(`removed ${removed} conversations idle for over ${age} (${scanned} candidates checked)`);
    return 0;
  },
};
