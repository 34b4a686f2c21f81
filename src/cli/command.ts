/**
 * What a command is (its name, arguments, options, help and `run`) and the context it runs
 * in: output channels and one lazily created `MemoryManager` built from the global options
 * through the public API only.
 */
import { type ConversationMemory, createMemoryManager, type MemoryManager } from "../index.js";
import { countOption, type OptionSpecs, type OptionValues, stringOption } from "./args.js";
import { CliError } from "./errors.js";
import { askYesNo, type Confirmer } from "./prompt.js";

/** The arguments a command receives after parsing. */
export interface CommandInput {
  readonly positionals: string[];
  readonly values: OptionValues;
}

/** One `convmem <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Positional arguments as shown in usage, e.g. `<id> [seconds|none]`. */
  readonly args: string;
  /** Further help paragraphs. */
  readonly details?: string;
  /** One example invocation (without the leading `convmem `). */
  readonly example: string;
  readonly options: OptionSpecs;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Receives every argument after the command word unparsed (`demo`). */
  readonly passThrough?: boolean;
  /** Runs the command; resolves to the exit code (0 when nothing is returned). */
  run(ctx: CommandContext, input: CommandInput): Promise<number | undefined>;
}

/** Where a command writes and what it works on. */
export interface CommandContext extends Confirmer {
  /** `--json` given: stdout carries JSON only. */
  readonly json: boolean;
  /** The Redis URL in use (for redaction and for the demo). */
  readonly url: string;
  /** `--url` given explicitly. */
  readonly urlGiven: boolean;
  /** The manager, created on first use from `--url`, `--prefix`, `--timeout`. */
  manager(): MemoryManager;
  /** Writes one line to stdout. */
  print(text: string): void;
  /** Writes `value` as JSON (indented) to stdout. */
  printJson(value: unknown): void;
  /** Writes one line to stderr. */
  note(text: string): void;
  /** The stderr stream (for the progress bar). */
  readonly stderr: NodeJS.WriteStream;
  /**
   * Terminal columns of stdout for truncating wide output: the terminal's width, else
   * `$COLUMNS`; undefined when stdout is not a terminal and `$COLUMNS` is unset (no limit).
   */
  readonly columns: number | undefined;
}

/** A context plus `close()`, which closes the manager if one was created. */
export interface OwnedContext extends CommandContext {
  close(): Promise<void>;
}

/** The Redis URL: `--url`, else `CONVMEM_REDIS_URL`, then `REDIS_URL`, then localhost. */
export function resolveUrl(values: OptionValues, env: NodeJS.ProcessEnv): string {
  return stringOption(values, "url") || env.CONVMEM_REDIS_URL || env.REDIS_URL || "redis://localhost:6379";
}

function terminalColumns(env: NodeJS.ProcessEnv): number | undefined {
  if (process.stdout.isTTY === true && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isSafeInteger(columns) && columns > 0 ? columns : undefined;
}

/** Builds the context from the parsed global options. */
export function createContext(values: OptionValues, env: NodeJS.ProcessEnv, command?: string): OwnedContext {
  const json = values.json === true;
  const url = resolveUrl(values, env);
  const prefix = stringOption(values, "prefix");
  const timeoutMs = countOption(values, "timeout", 1, command);
  let manager: MemoryManager | undefined;
  return {
    json,
    url,
    urlGiven: stringOption(values, "url") !== undefined,
    manager() {
      manager ??= createMemoryManager({ redis: url, keyPrefix: prefix, timeoutMs });
      return manager;
    },
    print: (text) => process.stdout.write(`${text}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
    stderr: process.stderr,
    columns: terminalColumns(env),
    interactive: process.stdin.isTTY === true,
    ask: (question) => askYesNo(process.stdin, process.stderr, question),
    async close() {
      await manager?.close();
    },
  };
}

/**
 * A conversation's memory, its `[field, value]` pairs and its TTL; a {@link CliError} when it
 * has no live field.
 */
export async function readConversation(
  ctx: CommandContext,
  id: string,
): Promise<{ memory: ConversationMemory; items: Array<[string, unknown]>; ttl: number | null }> {
  const memory = ctx.manager().getMemory(id);
  const items = await memory.items();
  const ttl = await memory.getTtl();
  if (items.length === 0 || ttl === undefined) throw notFound(id);
  return { memory, items, ttl };
}

/** The error for a conversation that has no live field. */
export function notFound(conversationId: string): CliError {
  return new CliError(`conversation ${JSON.stringify(conversationId)} not found`, "ERR_NOT_FOUND");
}
