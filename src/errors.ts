/**
 * Every error convmem throws. All extend {@link ConvmemError} and carry a stable `code`
 * that callers can switch on; messages name the conversation, field or JSONPath at fault
 * and never contain a secret.
 *
 * @example
 * ```ts
 * try { await memory.require("prefs"); }
 * catch (err) { if (err instanceof FieldNotFoundError) await memory.set("prefs", {}); }
 * ```
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "ERR_FIELD_NOT_FOUND"
  | "ERR_LIST_INDEX"
  | "ERR_WRONG_TYPE"
  | "ERR_SERIALIZATION"
  | "ERR_VALUE_TOO_LARGE"
  | "ERR_VALIDATION"
  | "ERR_STORE_UNAVAILABLE"
  | "ERR_STORE"
  | "ERR_CONFLICT"
  | "ERR_CLOSED"
  | "ERR_MESSAGE_NOT_FOUND"
  | "ERR_GUARD_FAILED"
  | "ERR_OPERATION_ID_REUSED";

/** Base class of every convmem error. */
export class ConvmemError extends Error {
  /** Stable code, e.g. `ERR_WRONG_TYPE`. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `require(field)` on a field that does not exist. */
export class FieldNotFoundError extends ConvmemError {
  constructor(message: string) {
    super("ERR_FIELD_NOT_FOUND", message);
  }
}

/** `pop` on an empty or missing list, or an index out of range. */
export class ListIndexError extends ConvmemError {
  constructor(message: string) {
    super("ERR_LIST_INDEX", message);
  }
}

/** A list operation on a non-list value, `incr` on a non-integer, `addMessage` on a non-list `messages`. */
export class WrongTypeError extends ConvmemError {
  /** What the operation needed, e.g. `"a list"`, `"an integer"`; undefined if not known. */
  readonly expected: string | undefined;
  /** What the field held, e.g. `"a string"`, `"an object"`; undefined if not known. */
  readonly found: string | undefined;
  constructor(message: string, expected?: string, found?: string) {
    super("ERR_WRONG_TYPE", message);
    this.expected = expected;
    this.found = found;
  }
}

/**
 * A value JSON cannot represent exactly; the message names its JSONPath within the value
 * (e.g. `$.since`) and, from the memory API, the field it was for (`$.since of field "prefs"`).
 */
export class SerializationError extends ConvmemError {
  /** JSONPath of the offending value, within the value given for {@link field}. */
  readonly path: string;
  /** The field the value was for; undefined when the codec was called on its own. */
  readonly field: string | undefined;
  constructor(path: string, message: string, field?: string) {
    super("ERR_SERIALIZATION", message);
    this.path = path;
    this.field = field;
  }
}

/** An encoded value (or list element) larger than `maxValueBytes`. */
export class ValueTooLargeError extends ConvmemError {
  constructor(message: string) {
    super("ERR_VALUE_TOO_LARGE", message);
  }
}

/** Invalid argument: conversation id, field name, ttl, index, option. */
export class ValidationError extends ConvmemError {
  constructor(message: string) {
    super("ERR_VALIDATION", message);
  }
}

/** Redis unreachable or stalled; raised within `timeoutMs`, never a hang. */
export class StoreUnavailableError extends ConvmemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_STORE_UNAVAILABLE", message, options);
  }
}

/** Redis answered with an error (NOPERM, OOM, …); the Redis error is kept as `cause`. */
export class StoreError extends ConvmemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_STORE", message, options);
  }
}

/**
 * `modify` or `compactMessages` gave up after its retries under contention (for
 * `compactMessages`: the messages it summarized kept changing).
 */
export class ConflictError extends ConvmemError {
  constructor(message: string) {
    super("ERR_CONFLICT", message);
  }
}

/**
 * A call on a manager (or store) after its `close()`, or one still waiting for Redis when
 * `close()` was called. Not transient: unlike `ERR_STORE_UNAVAILABLE`, retrying cannot succeed.
 */
export class ClosedError extends ConvmemError {
  constructor(message = "the memory manager was closed: create a new one to continue") {
    super("ERR_CLOSED", message);
  }
}

/**
 * `updateMessage(id)` or `getMessages({ before: id })` with an id that is not a message of the
 * history. `messageId` is the id asked for.
 */
export class MessageNotFoundError extends ConvmemError {
  readonly messageId: string;
  constructor(message: string, messageId: string) {
    super("ERR_MESSAGE_NOT_FOUND", message);
    this.messageId = messageId;
  }
}

/**
 * A `batch` guard did not hold: nothing was written. `guardIndex` is its position in
 * `options.guards`, `guard` the guard as given.
 */
export class GuardFailedError extends ConvmemError {
  readonly guardIndex: number;
  readonly guard: unknown;
  constructor(message: string, guardIndex: number, guard: unknown) {
    super("ERR_GUARD_FAILED", message);
    this.guardIndex = guardIndex;
    this.guard = guard;
  }
}

/**
 * A `batch` whose `operationId` this conversation already recorded for a different batch:
 * nothing was written. (The same batch again succeeds and changes nothing.)
 */
export class OperationIdReusedError extends ConvmemError {
  readonly operationId: string;
  constructor(message: string, operationId: string) {
    super("ERR_OPERATION_ID_REUSED", message);
    this.operationId = operationId;
  }
}

/** Removes `user:password@` credentials from any text before it reaches an error or a log. */
export function redactSecrets(text: string): string {
  return text.replace(/(\w+:\/\/)([^@/\s]*)@/g, (_m, scheme: string, cred: string) =>
    cred.length > 0 ? `${scheme}***@` : `${scheme}@`,
  );
}
