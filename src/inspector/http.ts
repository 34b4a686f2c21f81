/**
 * The inspector's HTTP plumbing on `node:http`: JSON replies, bounded JSON request bodies, the
 * one error type handlers throw ({@link HttpError}), and the mapping of any error to a status
 * and a `{ error: { code, message } }` body — redacted, never a stack trace.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { redact } from "../cli/errors.js";
import { ConvmemError, ValidationError } from "../index.js";

/** Largest request body the inspector reads (its writes carry an id and a field name). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Headers sent with every reply: no caching, no sniffing, no framing, no referrer (tokens). */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/** A failure with an HTTP status and a stable code, shown to the user as its message. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}

/** Status codes of the library's error codes; anything else is a 500. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  ERR_VALIDATION: 400,
  ERR_FIELD_NOT_FOUND: 404,
  ERR_MESSAGE_NOT_FOUND: 404,
  ERR_WRONG_TYPE: 409,
  ERR_CONFLICT: 409,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_CLOSED: 503,
  ERR_STORE: 502,
};

/** Status, code and redacted message of `err`, whatever it is. */
export function describeError(err: unknown, url: string): { status: number; code: string; message: string } {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const message = redact(raw, url);
  if (err instanceof HttpError) return { status: err.status, code: err.code, message };
  if (err instanceof ConvmemError)
    return { status: STATUS_OF_CODE[err.code] ?? 500, code: err.code, message };
  return { status: 500, code: "ERR_INTERNAL", message };
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends the error reply for `err`. */
export function sendError(res: ServerResponse, err: unknown, url: string): void {
  const { status, code, message } = describeError(err, url);
  if (!res.headersSent) sendJson(res, status, { error: { code, message } });
  else res.destroy();
}

/** Reads a JSON object body of at most {@link MAX_BODY_BYTES}. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      "ERR_CONTENT_TYPE",
      "the request body must be JSON (content-type: application/json)",
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "ERR_TOO_LARGE", "the request body is too large");
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ValidationError("the request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** A required string member of a request body or query. */
export function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") {
    throw new ValidationError(
      `${name} must be a non-empty string, got ${value === undefined ? "nothing" : typeof value}`,
    );
  }
  return value;
}
