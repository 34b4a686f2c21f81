/**
 * Argument checks shared by the API layer. Each throws {@link ValidationError} with a
 * message naming what was wrong; none of them touches a store.
 */
import { ValidationError } from "./errors.js";

/** Largest id / field name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 512;

const encoder = new TextEncoder();

/** UTF-8 byte length of a well-formed string. */
export function utf8Length(text: string): number {
  // Fast path: pure ASCII strings are as long in bytes as in code units.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(text)) return text.length;
  return encoder.encode(text).length;
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
  return typeof value;
}
