/**
 * UIMessage values as the chat store keeps them: JSON-normalized (a property whose value is
 * `undefined` dropped, as `JSON.stringify` does), deep-frozen, and remembered with their JSON
 * text, so a message the store handed out (or stored) is compared by identity — no
 * re-serialization — when it comes back in a later `saveChat`.
 */
import { ValidationError } from "../index.js";

/** A message with its JSON text, checked. */
export interface Entry {
  readonly id: string;
  readonly text: string;
  /** The value to store (a normalized copy, or a frozen message the store made). */
  readonly value: object;
}

/** Frozen messages the store made, with their JSON text. */
const TEXTS = new WeakMap<object, string>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A frozen copy of the stored value `value`, remembered with its text. */
export function adoptStored<M>(value: unknown): M {
  const text = JSON.stringify(value);
  const frozen = deepFreeze(value) as object;
  TEXTS.set(frozen, text);
  return frozen as M;
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

/** The entry of one message: its text from memory when the store made it, else serialized. */
export function entryOf(message: unknown, where: string): Entry {
  const id = idOf(message, where);
  const known = TEXTS.get(message as object);
  if (known !== undefined) return { id, text: known, value: message as object };
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    throw new ValidationError(`${where} (id ${JSON.stringify(id)}) is not JSON: ${(err as Error).message}`);
  }
  const value = JSON.parse(text) as object;
  deepFreeze(value);
  TEXTS.set(value, text);
  return { id, text, value };
}

/** The entries of `messages`, checked: an array of messages with non-empty, distinct ids. */
export function entriesOf(messages: unknown, what: string): Entry[] {
  if (!Array.isArray(messages)) throw new ValidationError(`${what} must be an array of UIMessages`);
  const seen = new Set<string>();
  return messages.map((m, i) => {
    const entry = entryOf(m, `${what}[${i}]`);
    if (seen.has(entry.id))
      throw new ValidationError(`${what}[${i}]: id ${JSON.stringify(entry.id)} occurs more than once`);
    seen.add(entry.id);
    return entry;
  });
}
