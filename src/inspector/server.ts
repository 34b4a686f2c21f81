/**
 * `convmem inspect`'s web server on `node:http`: serves the page (assets shipped next to this
 * module, read once at start) and the JSON API of {@link InspectorApi}, behind the
 * {@link AccessPolicy}. Read-only unless started with `allowWrites`.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MemoryManager } from "../index.js";
import { InspectorApi } from "./api.js";
import { AccessPolicy, TOKEN_COOKIE } from "./auth.js";
import { COMMON_HEADERS, HttpError, readJsonBody, sendError, sendJson } from "./http.js";

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  readonly manager: MemoryManager;
  /** Address to bind. @default "127.0.0.1" */
  readonly host?: string;
  /** Port; 0 = a free one. @default 0 */
  readonly port?: number;
  /** Enable delete conversation / set TTL / delete field. @default false */
  readonly allowWrites?: boolean;
  /** The Redis URL, shown redacted and used to redact error messages. */
  readonly url: string;
  /** The key prefix in use, shown in the page. */
  readonly keyPrefix: string;
  /** How often the page polls an open conversation, ms. @default 2000 */
  readonly pollMs?: number;
  /** The package version, shown in the page. */
  readonly version: string;
}

/** A running inspector. */
export interface RunningInspector {
  /** The URL to open (with `?token=` when one is required). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The access token, when the bind is not loopback. */
  readonly token: string | undefined;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** The page's Content-Security-Policy: nothing but this origin, no inline script. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Readonly<Record<string, readonly [file: string, type: string]>> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/app.css": ["app.css", "text/css; charset=utf-8"],
};

function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const dir = new URL("./assets/", import.meta.url);
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, [file, type]] of Object.entries(ASSETS)) {
    out.set(path, { body: readFileSync(new URL(file, dir)), type });
  }
  return out;
}

/** `user:password@` removed from a URL, for display. */
function displayUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/\s]*@/, "$1***@");
}

/** Starts the inspector; resolves once it listens. */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const host = options.host ?? "127.0.0.1";
  const allowWrites = options.allowWrites === true;
  const api = new InspectorApi(options.manager);
  const policy = new AccessPolicy(host);
  const assets = loadAssets();
  const info = {
    version: options.version,
    keyPrefix: options.keyPrefix,
    redis: displayUrl(options.url),
    allowWrites,
    pollMs: options.pollMs ?? 2000,
    tokenRequired: policy.token !== undefined,
  };

  type Handler = (req: IncomingMessage, query: URLSearchParams) => Promise<unknown> | unknown;
  const reads: Record<string, Handler> = {
    "/api/info": () => info,
    "/api/conversations": (_req, q) => api.page(q),
    "/api/conversation": (_req, q) => api.conversation(q),
    "/api/conversation/summary": (_req, q) => api.summary(q),
    "/api/stats": (_req, q) => api.stats(q),
    "/api/activity": () => api.recentActivity(),
  };
  const posts: Record<string, { write: boolean; run: (body: Record<string, unknown>) => Promise<unknown> }> =
    {
      "/api/ttls": { write: false, run: (b) => api.ttls(b) },
      "/api/conversation/delete": { write: true, run: (b) => api.deleteConversation(b) },
      "/api/conversation/ttl": { write: true, run: (b) => api.setTtl(b) },
      "/api/field/delete": { write: true, run: (b) => api.deleteField(b) },
    };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://inspector.invalid");
    const path = url.pathname;
    let provedToken: string | undefined;
    try {
      provedToken = policy.check(req, url.searchParams);
    } catch (err) {
      if (path.startsWith("/api/") || !(err instanceof HttpError)) throw err;
      const text = `convmem inspect: ${err.message}\n`;
      res.writeHead(err.status, { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8" });
      res.end(text);
      return;
    }
    if (provedToken !== undefined && !path.startsWith("/api/")) {
      // Keep the token in a cookie and take it out of the address bar (and of the history).
      url.searchParams.delete("token");
      const rest = url.searchParams.toString();
      res.writeHead(303, {
        ...COMMON_HEADERS,
        location: `${path}${rest === "" ? "" : `?${rest}`}`,
        "set-cookie": `${TOKEN_COOKIE}=${provedToken}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    if (req.method === "GET" || req.method === "HEAD") {
      const asset = assets.get(path);
      if (asset !== undefined) {
        res.writeHead(200, {
          ...COMMON_HEADERS,
          "content-type": asset.type,
          "content-length": asset.body.length,
          "content-security-policy": CSP,
        });
        res.end(req.method === "HEAD" ? undefined : asset.body);
        return;
      }
      const read = reads[path];
      if (read !== undefined) return sendJson(res, 200, await read(req, url.searchParams));
    } else if (req.method === "POST") {
      const post = posts[path];
      if (post !== undefined) {
        if (post.write) {
          if (!allowWrites) {
            throw new HttpError(
              403,
              "ERR_READ_ONLY",
              "this inspector is read-only: restart it with convmem inspect --allow-writes to change memory",
            );
          }
          policy.checkWrite(req);
        }
        return sendJson(res, 200, await post.run(await readJsonBody(req)));
      }
    } else if (path in reads || path in posts || assets.has(path)) {
      throw new HttpError(405, "ERR_METHOD", `${req.method ?? "?"} is not allowed on ${path}`);
    }
    throw new HttpError(404, "ERR_NOT_FOUND", `no such page: ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err, options.url));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}/`;
  return {
    url: policy.token === undefined ? base : `${base}?token=${policy.token}`,
    host,
    port,
    token: policy.token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
