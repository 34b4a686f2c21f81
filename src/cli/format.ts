/**
 * Human-readable output: aligned tables, durations, byte sizes, times, message lines and the
 * cleanup progress bar. Pure functions from values to text; nothing here writes or reads.
 */
import { jsonCodec, type Message } from "../index.js";

/**
 * A value as the plain JSON tree of its stored encoding, for JSON output that must stay
 * lossless: bytes as `{"$bytes":"<base64>"}`, an object that looks like a tag escaped
 * (`JSON.stringify` alone would write a `Uint8Array` as `{"0":…}`). {@link decodedTree} undoes it.
 */
export function encodedTree(value: unknown): unknown {
  return JSON.parse(jsonCodec.encode(value));
}

/** The value a tree from {@link encodedTree} stands for: bytes as `Uint8Array`s again. */
export function decodedTree(tree: unknown): unknown {
  return jsonCodec.decode(JSON.stringify(tree));
}

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

/** Grapheme clusters, so a base letter with its combining marks, or a ZWJ emoji sequence, is one unit. */
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** East Asian Wide and Fullwidth ranges (Unicode 15 `EastAsianWidth.txt`, W and F, merged). */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(codePoint: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = WIDE[mid] ?? [0, -1];
    if (codePoint < from) hi = mid - 1;
    else if (codePoint > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Zero-width on their own: combining marks, ZWJ/ZWNJ and other format characters, controls. */
const ZERO_WIDTH = /^[\p{M}\p{Cf}\p{Cc}]$/u;
/** A grapheme drawn as an emoji (presentation by default, or asked for with VS16, or a flag). */
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}{2}/u;

/** Terminal columns of one grapheme cluster: 2 for wide (CJK, fullwidth, emoji), 0 for marks alone. */
function graphemeWidth(cluster: string): number {
  if (EMOJI.test(cluster)) return 2;
  const first = cluster.codePointAt(0) ?? 0;
  if (ZERO_WIDTH.test(String.fromCodePoint(first))) return 0;
  return isWide(first) ? 2 : 1;
}

/**
 * Terminal columns `text` takes: CJK, fullwidth forms and emoji count 2, combining marks and
 * zero-width characters 0, everything else 1 (East Asian Ambiguous counts 1, as in a
 * Western locale).
 */
export function width(text: string): number {
  // Fast path: printable ASCII is one column per character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let n = 0;
  for (const { segment } of graphemes.segment(text)) n += graphemeWidth(segment);
  return n;
}

/** `text` padded with spaces to `columns` terminal columns (never cut). */
export function padEnd(text: string, columns: number): string {
  return text + " ".repeat(Math.max(0, columns - width(text)));
}

/**
 * `text` cut to at most `columns` terminal columns, ending in `…` when cut; whole grapheme
 * clusters only, so no emoji or accented letter is split.
 */
export function truncate(text: string, columns: number): string {
  if (width(text) <= columns) return text;
  const room = Math.max(0, columns - 1);
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
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
  return `${isoTime(message.timestamp)}  ${padEnd(printable(message.role), 9)}  ${printable(message.content)}`;
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
