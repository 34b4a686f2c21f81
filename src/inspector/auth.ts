/**
 * Who may talk to the inspector. On a loopback address only local processes can connect, so
 * no token is needed, but the `Host` header must name the loopback host (a web page elsewhere
 * cannot reach it through DNS rebinding). On any other address a random access token is
 * required: given once as `?token=` (the page then keeps it in an HttpOnly, SameSite=Strict
 * cookie), or as an `X-Convmem-Token` header. Tokens are compared in constant time. Writes
 * also need the `X-Convmem-Inspector` header, which no cross-site form can send.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { HttpError } from "./http.js";

/** The cookie that carries the token after `?token=`. */
export const TOKEN_COOKIE = "convmem_inspect_token";
/** The header that carries the token for scripts (`curl -H`). */
export const TOKEN_HEADER = "x-convmem-token";
/** The header every write must carry (the page's script sets it). */
export const WRITE_HEADER = "x-convmem-inspector";

/** True when `host` is a loopback name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1" || bare === "0:0:0:0:0:0:0:1";
}

/** A fresh access token: 24 random bytes, base64url (32 characters). */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Constant-time comparison (of SHA-256 digests, so lengths never leak either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The value of cookie `name` in `header`, if any. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The hostname of a `Host` header (`[::1]:80` -> `::1`, `localhost:8080` -> `localhost`). */
function hostnameOf(hostHeader: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (v6?.[1] !== undefined) return v6[1];
  return hostHeader.replace(/:\d+$/, "");
}

/** The access rules of one running inspector. */
export class AccessPolicy {
  /** The token required on this bind, or undefined on loopback. */
  readonly token: string | undefined;

  constructor(readonly host: string) {
    this.token = isLoopback(host) ? undefined : newToken();
  }

  /**
   * Checks a request; resolves the token it proved through `?token=` (so the server can set the
   * cookie), else undefined. Throws {@link HttpError} 401/403.
   */
  check(req: IncomingMessage, query: URLSearchParams): string | undefined {
    if (this.token === undefined) {
      const host = hostnameOf(req.headers.host ?? "");
      if (!isLoopback(host)) {
        throw new HttpError(
          403,
          "ERR_HOST",
          `this inspector is bound to a loopback address and answers only to localhost, not to host ${JSON.stringify(host)}`,
        );
      }
      return undefined;
    }
    const fromQuery = query.get("token") ?? undefined;
    const header = req.headers[TOKEN_HEADER];
    const given =
      fromQuery ?? (typeof header === "string" ? header : cookieValue(req.headers.cookie, TOKEN_COOKIE));
    if (given === undefined || !tokensEqual(given, this.token)) {
      throw new HttpError(
        401,
        "ERR_TOKEN",
        given === undefined
          ? "this inspector needs its access token: open the URL with ?token= that convmem inspect printed"
          : "wrong access token: open the URL with ?token= that convmem inspect printed",
      );
    }
    return fromQuery;
  }

  /** Checks that a write comes from the page's own script, not from a cross-site form. */
  checkWrite(req: IncomingMessage): void {
    if (req.headers[WRITE_HEADER] !== "1") {
      throw new HttpError(403, "ERR_CSRF", `writes need the ${WRITE_HEADER}: 1 header (the page sends it)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== "null") {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        host = "";
      }
      if (host !== req.headers.host)
        throw new HttpError(403, "ERR_ORIGIN", "cross-origin writes are refused");
    }
  }
}
