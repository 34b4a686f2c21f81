/**
 * UIMessage values as the chat store keeps them: JSON-normalized (a property whose value is
 * `undefined` dropped, as `JSON.stringify` does) and deep-frozen, so a message the store handed
 * out (or stored) is compared by identity — no re-serialization — when it comes back in a later
 * `saveChat`. A message of yours is serialized once per save.
 */
import { ValidationError } from "../index.js";

/** A message, checked, with the value to store. */
export interface Entry {
  readonly id: string;
  /** The value to store: a frozen message the store made, or a frozen normalized copy. */
  readonly value: object;
}

/**
 * The deep-frozen messages the store made (read from Redis or normalized from yours), with
 * their JSON text once it was needed. Frozen, so one of them coming back in a later
 * `saveChat` is unchanged for certain: compared by identity, never re-serialized.
 */
const MADE = new WeakSet<object>();
const TEXTS = new WeakMap<object, string>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A frozen copy of the stored value `value` (the codec's fresh decoding: frozen in place). */
export function adoptStored<M>(value: unknown): M {
  const frozen = deepFreeze(value) as object;
  if (frozen !== null && typeof frozen === "object") MADE.add(frozen);
  return frozen as M;
}

/** The JSON text of a message the store made (serialized once, then remembered). */
export function textOf(value: object): string {
  let text = TEXTS.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    TEXTS.set(value, text);
  }
  return text;
}

/** Whether two store-made messages hold the same JSON: identical objects are, without looking. */
export function sameMessage(a: object, b: object): boolean {
  return a === b || textOf(a) === textOf(b);
}

/** The id of `message`, or a `ValidationError` naming the position. */
function idOf(message: unknown, where: string): string {
  if (message === null || typeof message !== "object" || Array.isArray(message))
    throw new ValidationError(`${where} is not a UIMessage object`);
  const id = (message as { id?: unknown }).id;
  if (typeof id !== "string" || id === "")
    throw new ValidationError(
      `${where} has no id (a non-empty string is required: pass generateMessageId to toUIMessageStreamResponse)`,
    );
  return id;
}

/** The entry of one message: as it is when the store made it, else a normalized frozen copy. */
export function entryOf(message: unknown, where: string): Entry {
  const id = idOf(message, where);
  if (MADE.has(message as object)) return { id, value: message as object };
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    throw new ValidationError(`${where} (id ${JSON.stringify(id)}) is not JSON: ${(err as Error).message}`);
  }
  const value = JSON.parse(text) as object;
  deepFreeze(value);
  MADE.add(value);
  TEXTS.set(value, text);
  return { id, value };
}

/**
 * The entries of `messages[from…]`, checked: messages with non-empty ids, distinct among
 * themselves and not `taken` (by `messages[0…from)`); positions in errors count from the start
 * of `messages`.
 */
export function entriesOf(
  messages: readonly unknown[],
  what: string,
  from = 0,
  taken: (id: string) => boolean = () => false,
): Entry[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (let i = from; i < messages.length; i++) {
    const entry = entryOf(messages[i], `${what}[${i}]`);
    if (seen.has(entry.id) || taken(entry.id))
      throw new ValidationError(`${what}[${i}]: id ${JSON.stringify(entry.id)} occurs more than once`);
    seen.add(entry.id);
    out.push(entry);
  }
  return out;
}

/** An array of messages, or a `ValidationError`. */
export function checkMessages(messages: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(messages)) throw new ValidationError(`${what} must be an array of UIMessages`);
  return messages;
}

/**
 * Whether the stored messages `values` are what a save could have written: objects with
 * non-empty, distinct string ids. (A list written around the store might not be.)
 */
export function wellFormed(values: readonly object[]): boolean {
  const seen = new Set<string>();
  for (const value of values) {
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== "string" || id === "" || seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}
