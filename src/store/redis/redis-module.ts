/**
 * The `redis` package (node-redis), loaded on first use rather than when convmem is imported:
 * it takes ~0.3 s to load, which `import "convmem"` would otherwise cost everyone — the CLI's
 * `--help`, a process on the in-memory store, a framework adapter's unit tests. The package is
 * CommonJS, so this `require` and an `import … from "redis"` elsewhere in the process share one
 * module instance (one `ErrorReply` class, one `createClient`). The only place convmem loads
 * the client's code; every other module imports its types only.
 */
import { createRequire } from "node:module";
import type * as Redis from "redis";

let loaded: typeof Redis | undefined;

/** node-redis, loaded now if it is not yet. */
export function redisModule(): typeof Redis {
  if (loaded === undefined) loaded = createRequire(import.meta.url)("redis") as typeof Redis;
  return loaded;
}

/** Whether `err` is an error reply of Redis (node-redis's `ErrorReply`). */
export function isErrorReply(err: unknown): err is Redis.ErrorReply {
  return err instanceof Error && err instanceof redisModule().ErrorReply;
}
