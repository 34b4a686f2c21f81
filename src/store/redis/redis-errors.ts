/**
 * How every failure on Redis becomes a convmem error — the one place that classifies them:
 * - an error reply of a convmem script (`CONVMEM_<CODE>`) → the typed error it stands for
 *   (`WrongTypeError`, `ListIndexError`, the `incr` range `ValidationError`);
 * - `NOSCRIPT`, "Function not found" → nothing to report: the runner loads it and sends the call again;
 * - a reply of a Redis that is up but cannot serve yet (`LOADING`, `BUSY`, `MASTERDOWN`,
 *   `TRYAGAIN`, `CLUSTERDOWN`: the command did not run) → `StoreUnavailableError`;
 * - any other error reply (`NOPERM`, `OOM`, …) → `StoreError`, with Redis's reply as `cause`
 *   and, for an ACL refusal, a hint where to look;
 * - a transport failure (refused, reset, offline, …) → `StoreUnavailableError`.
 * Messages are redacted: no password ever reaches one.
 */
import type { ErrorReply } from "redis";
import { ConvmemError, redactSecrets, StoreError, StoreUnavailableError } from "../../errors.js";
import { type ConversationRef, incrRangeError, listIndexError, wrongTypeError } from "../store.js";
import { isErrorReply } from "./redis-module.js";

/** Error replies of a Redis that is up but cannot serve yet; the command was not run. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;
const ACL_REFUSAL = /NOPERM|can't run this command/;

/** An error's message, redacted and trimmed. */
export function messageOf(err: unknown): string {
  return redactSecrets(err instanceof Error ? err.message || err.name : String(err)).trim();
}

/** True for the reply to `EVALSHA` of a script the server does not have. */
export function isNoScript(err: unknown): boolean {
  return isErrorReply(err) && err.message.startsWith("NOSCRIPT");
}

/** True for the reply to a plain command run on a key holding another kind of value. */
export function isWrongType(err: unknown): boolean {
  return isErrorReply(err) && err.message.startsWith("WRONGTYPE");
}

/** True for the reply to `FCALL` of a function the server does not have (its library is not loaded). */
export function isFunctionMissing(err: unknown): boolean {
  return isErrorReply(err) && /^ERR Function not found/.test(err.message);
}

/** True for the reply to `FUNCTION LOAD` of a library the server already has (another process loaded it). */
export function isLibraryPresent(err: unknown): boolean {
  return isErrorReply(err) && /^ERR Library '[^']*' already exists/.test(err.message);
}

/**
 * True for a command the server refuses to run — an ACL refusal of the command (not of a key),
 * or a command it does not know (a Redis without Functions) — naming `command` when given.
 */
export function isRefused(err: unknown, command?: string): boolean {
  if (!isErrorReply(err)) return false;
  const { message } = err;
  if (/^ERR unknown command/.test(message)) return true;
  if (!/NOPERM .*permissions to run the '([^']+)' command/.test(message)) return false;
  return command === undefined || message.includes(`'${command}' command`);
}

/** An error reply that is no script's own: unavailable (not run) or a store error. */
export function storeError(err: ErrorReply): StoreError | StoreUnavailableError {
  const message = messageOf(err);
  if (TRANSIENT.test(message))
    return new StoreUnavailableError(`Redis unavailable: ${message}`, { cause: err });
  const hint = ACL_REFUSAL.test(message)
    ? ' (the Redis user lacks a permission convmem needs: see "Minimal Redis ACL" in the README)'
    : "";
  return new StoreError(`Redis error: ${message}${hint}`, { cause: err });
}

/**
 * Any failure of a command (or of a script on `field` of `ref`) as a convmem error. A
 * transport failure says why the client is offline (`lastError`), if known.
 */
export function toConvmemError(err: unknown, lastError = "", ref?: ConversationRef, field = ""): unknown {
  if (err instanceof ConvmemError) return err;
  if (isErrorReply(err)) {
    const code = ref && /CONVMEM_([A-Z]+)/.exec(err.message)?.[1];
    if (ref && code === "WRONGTYPE") return wrongTypeError(ref, field);
    if (ref && code === "INDEX") return listIndexError(ref, field);
    if (ref && code === "RANGE") return incrRangeError(ref, field);
    return storeError(err);
  }
  const message = messageOf(err);
  const why = lastError && !message.includes(lastError) ? ` (last error: ${lastError})` : "";
  return new StoreUnavailableError(`Redis unavailable: ${message}${why}`, { cause: err });
}
