/**
 * Command-line parsing on `node:util` `parseArgs`: the global options, the option specs
 * commands declare, and conversions of option text (counts, milliseconds, durations, TTLs)
 * that fail with {@link UsageError}.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";
import { didYouMean } from "./suggest.js";

/** One option a command (or the CLI as a whole) accepts. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** Placeholder shown in help, e.g. `N` for `--limit N`. */
  readonly value?: string;
  readonly description: string;
}

/** Options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  url: {
    type: "string",
    value: "URL",
    description: "Redis URL (default: $CONVMEM_REDIS_URL, then $REDIS_URL, then redis://localhost:6379)",
  },
  prefix: { type: "string", value: "PREFIX", description: 'key prefix (namespace) (default: "memory")' },
  timeout: {
    type: "string",
    value: "MS",
    description: "bound on any wait when Redis is unreachable (default: 5000)",
  },
  json: { type: "boolean", description: "machine-readable JSON output" },
  help: { type: "boolean", short: "h", description: "show help" },
  version: { type: "boolean", description: "print the version" },
};

/** The parse result of one command line. */
export interface ParsedLine {
  readonly values: OptionValues;
  readonly positionals: string[];
}

function toParseArgsOptions(specs: OptionSpecs) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
    ]),
  );
}

/**
 * Parses `args` against `specs`: unknown options, missing option values and a value given
 * to a flag are usage errors.
 */
export function parseLine(args: readonly string[], specs: OptionSpecs, command?: string): ParsedLine {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: toParseArgsOptions(specs),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues, positionals };
  } catch (err) {
    // parseArgs explains at length how to pass a positional starting with '-': keep the first sentence.
    const message = err instanceof Error ? (err.message.split(/\.\s/)[0] ?? err.message) : String(err);
    const unknown = /^Unknown option '--([^'=]+)/.exec(message)?.[1];
    const hint = unknown === undefined ? "" : didYouMean(unknown, Object.keys(specs), (o) => `'--${o}'`);
    throw new UsageError(message + hint, command);
  }
}

/**
 * Finds the command word: the first positional of `args` when parsed leniently against
 * `specs` (so `--url X list` skips the option value `X`). Returns its index, or -1.
 */
export function findCommand(args: readonly string[], specs: OptionSpecs): number {
  const { tokens } = parseArgs({
    args: [...args],
    options: toParseArgsOptions(specs),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  return tokens.find((t) => t.kind === "positional")?.index ?? -1;
}

/** A string option's value, if given. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A whole number >= `min` given as option `--<name>`, e.g. `--limit 20`; undefined when absent. */
export function countOption(
  values: OptionValues,
  name: string,
  min: number,
  command?: string,
): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`, command);
  }
  return n;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds from `90s`, `30m`, `24h`, `7d`, `1.5h` or plain seconds (`3600`). */
export function parseDuration(text: string, option: string, command?: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!match?.[1]) {
    throw new UsageError(
      `${option} must be a duration like 90s, 30m, 24h, 7d or plain seconds, got ${JSON.stringify(text)}`,
      command,
    );
  }
  return Number(match[1]) * (DURATION_UNITS[match[2] || "s"] ?? 1);
}

/** Words `ttl` takes for "never expires". */
export const TTL_NEVER_WORDS: readonly string[] = ["none", "never"];

/**
 * A conversation TTL from `none` or `never` (never expires), or a duration as `cleanup`
 * takes it (`90s`, `15m`, `2h`, `7d`, plain seconds). The seconds are passed on as computed;
 * the library decides whether they are a valid TTL (`ValidationError` otherwise: 0, fractions).
 */
export function parseTtl(text: string, command?: string): number | null {
  if (TTL_NEVER_WORDS.includes(text.trim().toLowerCase())) return null;
  if (!/^\s*\d+(?:\.\d+)?[smhd]?\s*$/.test(text)) {
    throw new UsageError(
      `ttl must be a duration (90s, 15m, 2h, 7d, or plain seconds) or "none", got ${JSON.stringify(text)}`,
      command,
    );
  }
  return parseDuration(text, "ttl", command);
}

/** `--yes`: the confirmation `delete` and `cleanup` otherwise ask for on a terminal. */
export const YES_OPTION: OptionSpecs = {
  yes: {
    type: "boolean",
    short: "y",
    description: "do not ask for confirmation (needed when stdin is not a terminal)",
  },
};
