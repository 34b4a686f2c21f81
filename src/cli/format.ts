/**
 * Human-readable output: aligned tables, durations, byte sizes, times, message lines and the
 * cleanup progress bar. Pure functions from values to text; nothing here writes or reads.
 */
import type { Message } from "../index.js";

/** Column alignment in {@link table}. */
export type Align = "left" | "right";

/**
 * Renders rows under a header as space-aligned columns (two spaces apart). The last column
 * is not padded, so long values (JSON) don't push trailing blanks.
 */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align?: Align[],
): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        if (i === cells.length - 1 && align?.[i] !== "right") return cell;
        const pad = " ".repeat((widths[i] ?? 0) - width(cell));
        return align?.[i] === "right" ? pad + cell : cell + pad;
      })
      .join("  ");
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Two-column "label  value" lines, labels aligned. */
export function keyValues(pairs: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(...pairs.map(([k]) => width(k)));
  return pairs.map(([k, v]) => `${k}${" ".repeat(w - width(k))}  ${v}`).join("\n");
}

/** Display width in code points (good enough for ids; wide glyphs may misalign). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Makes arbitrary text (ids, message content) safe for one terminal line: control characters
 * (newlines, escapes) are shown as JSON escapes, so output can't be broken or spoofed.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Seconds as `2d 3h`, `1h 5m`, `59m 59s`, `45s` (two largest units). */
export function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  let rest = Math.max(0, Math.round(seconds));
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (rest >= size || (name === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** A conversation TTL as the CLI shows it. */
export function formatTtl(ttl: number | null | undefined): string {
  if (ttl === undefined) return "- (conversation does not exist)";
  if (ttl === null) return "none (never expires)";
  return `${ttl} s (${formatDuration(ttl)})`;
}

/** Bytes as `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Milliseconds since the epoch as an ISO 8601 UTC time. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** One history line: time, role (padded to `assistant`), content on one line. */
export function messageLine(message: Message): string {
  return `${isoTime(message.timestamp)}  ${printable(message.role).padEnd(9)}  ${printable(message.content)}`;
}

/** Cumulative cleanup counts, as `onProgress` reports them. */
export interface CleanupProgress {
  scanned: number;
  removed: number;
}

const BAR_WIDTH = 20;
const MARKER = "<=>";

/**
 * One frame of the cleanup progress bar. The cleanup walks candidates without knowing their
 * total in advance (that is what keeps it cheap), so the bar is an activity bar whose marker
 * moves one step per frame, followed by the counts.
 */
export function progressBar(progress: CleanupProgress, frame: number): string {
  const span = BAR_WIDTH - MARKER.length;
  const cycle = frame % (2 * span);
  const at = cycle <= span ? cycle : 2 * span - cycle;
  const bar = `${" ".repeat(at)}${MARKER}${" ".repeat(span - at)}`;
  return `cleanup [${bar}] scanned ${progress.scanned}, removed ${progress.removed}`;
}
