/**
 * Runs the built CLI (`dist/cli/main.js`) as a real child process, as a user would, and
 * collects its exit code and output. The environment is the test's, minus any Redis URL
 * variables, plus what the test passes: nothing reaches a Redis the test did not start.
 * `useCliRedis()` gives a test file its own redis-server and key namespaces on it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { createMemoryManager, type MemoryManager, type MemoryManagerOptions } from "../../src/index.js";
import { type RedisServer, startRedis } from "./redis-server.js";
import { freshId } from "./targets.js";

/** The package root (this file is compiled to `build/test/helpers/`). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The built CLI entry. */
export const CLI = join(ROOT, "dist", "cli", "main.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

export interface CliOptions {
  /** Extra environment variables (e.g. `CONVMEM_REDIS_URL`). */
  env?: Record<string, string>;
  /** Written to the CLI's stdin, then closed. */
  input?: string;
  /** Kill after this many ms (the test then fails on the code). @default 30000 */
  timeoutMs?: number;
}

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CONVMEM_REDIS_URL;
  delete env.REDIS_URL;
  return { ...env, ...extra };
}

/** Runs `convmem ...args` to completion; never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: cliEnv(options.env), timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        const signal = error === null ? null : ((error.signal ?? null) as NodeJS.Signals | null);
        resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** Starts `convmem ...args` in the background (for `tail`). */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** `JSON.parse` that names the text it failed on. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${String(err)}): ${JSON.stringify(text)}`);
  }
}

/** One key namespace on the file's redis-server. */
export interface CliNamespace {
  readonly prefix: string;
  /** A manager on this namespace (closed after the file). */
  readonly manager: MemoryManager;
  /** Runs `convmem ...args` on this namespace (`--prefix`, and the server in `CONVMEM_REDIS_URL`). */
  cli(...args: string[]): Promise<CliResult>;
}

/** The file's redis-server, started before its tests and stopped after them. */
export interface CliRedis {
  /** `redis://127.0.0.1:<port>` (after `before`). */
  readonly url: string;
  /** A manager on the server (closed after the file). */
  manager(options?: Omit<MemoryManagerOptions, "redis" | "store">): MemoryManager;
  /** A fresh key prefix with its manager and CLI runner, so totals are exact. */
  namespace(): CliNamespace;
}

/** Starts a redis-server for the calling `describe` block; call it inside the block. */
export function useCliRedis(): CliRedis {
  let server: RedisServer | undefined;
  const managers: MemoryManager[] = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    await server?.stop();
  });
  const redis: CliRedis = {
    get url() {
      if (server === undefined) throw new Error("useCliRedis: the server starts in `before`");
      return server.url;
    },
    manager(options = {}) {
      const manager = createMemoryManager({ ...options, redis: redis.url });
      managers.push(manager);
      return manager;
    },
    namespace() {
      const prefix = freshId("ns");
      const manager = redis.manager({ keyPrefix: prefix });
      const env = { CONVMEM_REDIS_URL: redis.url };
      return { prefix, manager, cli: (...args) => runCli([...args, "--prefix", prefix], { env }) };
    },
  };
  return redis;
}
