/**
 * How the CLI fails: the two error kinds it raises itself, the exit code of any error, and the
 * message printed on stderr — with every credential removed, whatever the error's origin.
 *
 * Exit codes: 0 success; 1 operational error (Redis unreachable, conversation not found, bad
 * export file, …); 2 usage error (bad command line, or an argument the library rejects with
 * `ValidationError`).
 */
import { ConvmemError, redactSecrets, ValidationError } from "../index.js";

/** Exit code of an operational error. */
export const EXIT_FAILURE = 1;
/** Exit code of a usage error. */
export const EXIT_USAGE = 2;

/** A malformed command line: unknown command or option, missing or extra argument, bad number. */
export class UsageError extends Error {
  /** The command whose usage was wrong, for the "see --help" hint. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** An operational failure the CLI detects itself (conversation not found, bad export file, …). */
export class CliError extends Error {
  /** The `code` of `--json` error output. */
  readonly code: string;
  constructor(message: string, code = "ERR_CLI") {
    super(message);
    this.name = "CliError";
    this.code = code;
  }
}

/** The exit code for `err`. */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError || err instanceof ValidationError ? EXIT_USAGE : EXIT_FAILURE;
}

/** A stable code for `--json` error output. */
function codeOf(err: unknown): string {
  if (err instanceof ConvmemError) return err.code;
  if (err instanceof UsageError) return "ERR_USAGE";
  if (err instanceof CliError) return err.code;
  return "ERR_CLI";
}

/**
 * Removes credentials from text: the `user:password@` part of any URL, and the literal
 * password of `url` (the `--url` or environment URL), wherever it appears. The library's
 * errors are already redacted; this guards messages from other sources (Node, node-redis
 * URL parsing).
 */
export function redact(text: string, url: string | undefined): string {
  let result = redactSecrets(text);
  for (const secret of passwordsOf(url)) result = result.split(secret).join("***");
  return result;
}

/** The password of `url`, raw and percent-decoded. */
function passwordsOf(url: string | undefined): string[] {
  const raw = url === undefined ? undefined : /^\w+:\/\/[^:@/\s]*:([^@/\s]+)@/.exec(url)?.[1];
  if (raw === undefined) return [];
  try {
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [raw];
  }
}

/** What to print on stderr for `err`: one human line, or one JSON object when `json`. */
export function errorReport(err: unknown, json: boolean, url: string | undefined): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const message = redact(raw, url);
  if (json) return JSON.stringify({ error: { code: codeOf(err), message } });
  const hint =
    err instanceof UsageError
      ? `\nRun 'convmem ${err.command === undefined ? "" : `${err.command} `}--help' for usage.`
      : "";
  return `convmem: ${message}${hint}`;
}
