/**
 * `convmem cleanup --max-age <duration> [--dry-run] [--yes]`: removes conversations whose last
 * write is older than the given age through `manager.cleanupExpiredConversations`, with a
 * progress bar on a terminal, after a confirmation (or `--yes`); `--dry-run` only counts them.
 */
import { parseDuration, stringOption, YES_OPTION } from "../args.js";
import type { Command, CommandContext } from "../command.js";
import { UsageError } from "../errors.js";
import { type CleanupProgress, formatDuration, progressBar } from "../format.js";
import { confirmAction } from "../prompt.js";

/** Redraws the bar at most this often (ms). */
const REDRAW_MS = 80;

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
    "not with the number stored. On a terminal a progress bar is drawn on stderr.\n" +
    "Without --dry-run it asks for confirmation when stdin is a terminal; --yes skips the\n" +
    "question. Without a terminal and without --yes it refuses (exit 2) and removes nothing.\n" +
    'With --json, "removed" is what was removed, or with --dry-run what would be.',
  example: "cleanup --max-age 7d --dry-run",
  options: {
    "max-age": {
      type: "string",
      value: "DURATION",
      description: "remove conversations idle longer than this",
    },
    "dry-run": { type: "boolean", description: "delete nothing; report how many would be removed" },
    ...YES_OPTION,
  },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, { values }) {
    const maxAgeText = stringOption(values, "max-age");
    if (maxAgeText === undefined) throw new UsageError("--max-age is required", "cleanup");
    const maxAgeSeconds = parseDuration(maxAgeText, "--max-age", "cleanup");
    const age = formatDuration(maxAgeSeconds);
    const manager = ctx.manager();
    const dryRun = values["dry-run"] === true;
    if (!dryRun) {
      await confirmAction(
        ctx,
        values.yes === true,
        `remove every conversation idle for over ${age}`,
        "cleanup",
      );
    }
    const reporter = progressReporter(ctx);
    let scanned = 0;
    let removed: number;
    try {
      removed = await manager.cleanupExpiredConversations({
        maxAgeSeconds,
        onProgress: reporter.onProgress,
        dryRun,
      });
    } finally {
      scanned = reporter.finish().scanned;
    }
    if (ctx.json) ctx.printJson({ dryRun, maxAgeSeconds, removed, scanned });
    else if (dryRun)
      ctx.print(
        `dry run: would remove ${removed} conversations idle for over ${age} (${scanned} candidates checked)`,
      );
    else ctx.print(`removed ${removed} conversations idle for over ${age} (${scanned} candidates checked)`);
    return 0;
  },
};
