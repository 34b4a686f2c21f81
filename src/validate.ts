/**
 * Argument checks shared by the API layer. Each throws {@link ValidationError} with a
 * message naming what was wrong; none of them touches a store.
 */
import { ValidationError } from "./errors.js";

/** Largest id / field name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 512;

/**
 * UTF-8 byte length of a string (a lone surrogate counts as U+FFFD, 3 bytes, as `TextEncoder`
 * encodes it): counted natively, without encoding the string into a buffer.
 */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function checkName(kind: string, value: unknown): string {
  if (typeof value !== "string") throw new ValidationError(`${kind} must be a string, got ${typeof value}`);
  if (value.length === 0) throw new ValidationError(`${kind} must not be empty`);
  if (!value.isWellFormed()) throw new ValidationError(`${kind} contains a lone UTF-16 surrogate`);
  const bytes = utf8Length(value);
  if (bytes > MAX_NAME_BYTES) {
    throw new ValidationError(`${kind} is ${bytes} UTF-8 bytes; at most ${MAX_NAME_BYTES} allowed`);
  }
  return value;
}

/** A conversation id: a non-empty well-formed string of at most 512 UTF-8 bytes. */
export function checkConversationId(id: unknown): string {
  return checkName("conversation id", id);
}

/** A field name: a non-empty well-formed string of at most 512 UTF-8 bytes. */
export function checkField(field: unknown): string {
  return checkName("field name", field);
}

/** A map key (of a map field): a non-empty well-formed string of at most 512 UTF-8 bytes. */
export function checkMapKey(key: unknown): string {
  return checkName("map key", key);
}

/** A TTL: a positive integer of seconds, or `null` for "never expires". */
export function checkTtl(ttl: unknown, what = "ttl"): number | null {
  if (ttl === null) return null;
  if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new ValidationError(`${what} must be a positive integer of seconds or null, got ${describe(ttl)}`);
  }
  return ttl;
}

/** A safe integer (counter increments, list indexes). */
export function checkInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new ValidationError(`${what} must be a safe integer, got ${describe(value)}`);
  }
  return value;
}

/** An optional positive integer bound such as `maxLength` or `maxMessages`. */
export function checkLimit(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(`${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** A short, secret-free description of a bad argument for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "function") return "a function";
  if (typeof value !== "object") return `a ${typeof value}`;
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "an object";
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name.length > 0 ? `a ${name}` : "a non-plain object";
}

/** True for `{ … }` and `Object.create(null)`: not an array, a Map, a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Option names people reach for, and the option of convmem they mean. */
const ALIASES: Readonly<Record<string, string>> = {
  url: "redis",
  redisUrl: "redis",
  client: "redis",
  connection: "redis",
  prefix: "keyPrefix",
  namespace: "keyPrefix",
  ttl: "defaultTtl",
  timeout: "timeoutMs",
  limit: "maxMessages",
  messageId: "id",
};

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The known name `name` most likely stands for: an alias, one at most 2 edits away (case
 * ignored), or one it abbreviates (`maxLen` → `maxLength`).
 */
export function suggest(name: string, known: readonly string[]): string | undefined {
  const alias = ALIASES[name];
  if (alias !== undefined && known.includes(alias)) return alias;
  const lower = name.toLowerCase();
  const longer = known.find((k) => lower.length >= 3 && k.toLowerCase().startsWith(lower));
  if (longer !== undefined) return longer;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * An options object: undefined (no options), or an object whose own keys are all in `known`.
 * Anything else — a number or a string where the options belong, an unknown option name — is
 * a {@link ValidationError} naming `what` (e.g. `"getMessages options"`); a near miss gets a
 * "did you mean". `example` shows the expected shape, e.g. `"{ limit: 5 }"`.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  what: string,
  known: readonly string[],
  example?: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const like = example === undefined ? "" : ` like ${example}`;
    throw new ValidationError(`${what} must be an object${like}, got ${describe(value)}`);
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key) || known.includes(key)) continue;
    const near = suggest(key, known);
    const hint = near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
    throw new ValidationError(
      `unknown option ${JSON.stringify(key)} in ${what}${hint}; known options: ${known.join(", ")}`,
    );
  }
  return value;
}

/** A function argument, e.g. `modify`'s updater. */
export function checkFunction(value: unknown, what: string): void {
  if (typeof value !== "function")
    throw new ValidationError(`${what} must be a function, got ${describe(value)}`);
}

/** An optional boolean option. */
export function checkBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  throw new ValidationError(`${what} must be true or false, got ${describe(value)}`);
}
