/**
 * What one operation did, gathered for its {@link OperationEvent} only while someone listens:
 * the Redis commands it sent, by kind, and (when a listener asked for content) the records it
 * wrote or read.
 *
 * No AsyncLocalStorage (its promise hooks would slow every promise of the process). Instead,
 * the operation whose synchronous part is running is {@link callScope}`.current`: the memory
 * layer sets it around each store call it makes ({@link within}), and a store reads it once, at
 * the synchronous start of a call, then carries it along that call's own async chain (retries
 * included; see `store/redis/script-runner.ts`). JavaScript runs one synchronous stretch at a
 * time, so concurrent operations never see each other's scope. Without listeners it is never
 * set: a store reads one `undefined` per call and counts nothing.
 *
 * @packageDocumentation
 */

/**
 * A kind of Redis command an operation sent: `lrange` (the plain read of the newest messages),
 * `mget` (the plain `get` and `has`: the liveness key and the field's key), `fcall` (a library function:
 * every other operation, and a plain read that could not answer: a value of another kind, a
 * conversation not live),
 * `function_load` (the library loaded behind a call, once per server), `eval`/`evalsha` (the
 * script fallback where Functions are refused), `wait` (durability), `zrange` and `time` (the
 * registry walks of `getStats`, `conversations` and `cleanupExpiredConversations`). Any other
 * command a store sends is counted under its lower-case name.
 */
export type RedisCallKind =
  | "lrange"
  | "mget"
  | "fcall"
  | "function_load"
  | "eval"
  | "evalsha"
  | "wait"
  | "zrange"
  | "time"
  | (string & {});

/** Redis commands by kind, e.g. `{ fcall: 2 }` for a `modify` that read, then wrote. */
export type RedisCalls = Readonly<Partial<Record<RedisCallKind, number>>>;

/**
 * A record an operation wrote or read, when content recording is on: the field (a list field,
 * or `"messages"` for the history) and its value as stored, i.e. the codec's text (JSON by
 * default; a list as a JSON array of its elements). No `value` where the operation only named
 * the field (`has`, `delete`, `keys`, `listLength`).
 */
export interface MemoryRecord {
  readonly field: string;
  readonly value?: string | undefined;
}

/** @internal What one operation gathers while it runs. */
export interface CallScope {
  /** Redis commands sent, by kind (filled by a RedisStore; empty for other stores). */
  readonly calls: Record<string, number>;
  /** Records written or read; only when content recording is on. */
  readonly records: MemoryRecord[] | undefined;
}

/** @internal The scope of the operation whose synchronous part is running, if someone listens. */
export const callScope: { current: CallScope | undefined } = { current: undefined };

/** @internal Runs `fn` (a store call) with `scope` current for its synchronous part. */
export function within<T>(scope: CallScope | undefined, fn: () => T): T {
  if (scope === undefined) return fn();
  const previous = callScope.current;
  callScope.current = scope;
  try {
    return fn();
  } finally {
    callScope.current = previous;
  }
}

/** The kinds of the commands convmem sends, by their first word (no string building per call). */
const KINDS: Readonly<Record<string, string>> = {
  LRANGE: "lrange",
  MGET: "mget",
  FCALL: "fcall",
  EVALSHA: "evalsha",
  EVAL: "eval",
  WAIT: "wait",
  ZRANGE: "zrange",
  TIME: "time",
};

/** @internal Counts one command (`args` as sent) into `scope`. */
export function countCall(scope: CallScope, args: readonly string[]): void {
  const verb = args[0] ?? "";
  const kind =
    KINDS[verb] ?? (verb === "FUNCTION" ? `function_${(args[1] ?? "").toLowerCase()}` : verb.toLowerCase());
  scope.calls[kind] = (scope.calls[kind] ?? 0) + 1;
}
