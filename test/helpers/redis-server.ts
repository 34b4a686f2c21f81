/**
 * Starts a throwaway `redis-server` for a test file: free port, fresh temp dir, no
 * persistence, `KEYS` disabled (so any use of it by the library fails loudly).
 *
 * The Redis suites never skip: without `redis-server` on PATH, `startRedis` throws.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The server's working directory (removed by `stop`). */
  dir: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 2 s; waits for exit and removes `dir`. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, appended after the defaults. */
  args?: string[];
}

const NOT_FOUND =
  "redis-server not found on PATH: install it (e.g. apt-get install -y redis-server) — the Redis test suites never skip";
const READY_TIMEOUT_MS = 10_000;
const MAX_PORT_ATTEMPTS = 5;

/** Servers still running, killed synchronously if this process exits without stopping them. */
const live = new Map<number, { child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

function killAllSync(): void {
  for (const [pid, { dir }] of live) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killAllSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      killAllSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One raw `PING`; resolves true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.on("close", () => done(false));
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, pid: number, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    if (!(await waitForExit(child, 2000))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      await waitForExit(child, 5000);
    }
  }
  live.delete(pid);
  rmSync(dir, { recursive: true, force: true });
}

type Attempt = { ok: true; server: RedisServer } | { ok: false; portInUse: boolean; output: string };

async function attempt(redisServer: string, extraArgs: readonly string[]): Promise<Attempt> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "convmem-redis-"));
  const redisArgs = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--rename-command",
    "KEYS",
    "",
    ...extraArgs,
  ];
  // Where available, have the kernel kill the server if this process dies without cleanup.
  const setpriv = findOnPath("setpriv");
  const [command, args] =
    setpriv === undefined
      ? [redisServer, redisArgs]
      : [setpriv, ["--pdeathsig", "KILL", "--", redisServer, ...redisArgs]];
  const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], detached: false });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(10);
    rmSync(dir, { recursive: true, force: true });
    if (spawnError !== undefined && (spawnError as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(NOT_FOUND);
    }
    throw new Error(`could not spawn redis-server: ${spawnError?.message ?? "unknown error"}`);
  }
  installExitHook();
  live.set(pid, { child, dir });
  // Once started, the server must not keep the test process's event loop alive by itself.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stopChild(child, pid, dir);
      return { ok: false, portInUse: /address already in use/i.test(output), output };
    }
    if (await ping(port)) {
      const server: RedisServer = {
        url: `redis://127.0.0.1:${port}`,
        port,
        dir,
        pid,
        stop: () => stopChild(child, pid, dir),
      };
      return { ok: true, server };
    }
    await sleep(50);
  }
  await stopChild(child, pid, dir);
  throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms; output:\n${output}`);
}

/** Spawns `redis-server` on a free port and resolves once it answers `PING`. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const redisServer = findOnPath("redis-server");
  if (redisServer === undefined) throw new Error(NOT_FOUND);
  let lastOutput = "";
  for (let i = 0; i < MAX_PORT_ATTEMPTS; i++) {
    const result = await attempt(redisServer, options.args ?? []);
    if (result.ok) return result.server;
    lastOutput = result.output;
    if (!result.portInUse) break;
  }
  throw new Error(`redis-server failed to start; output:\n${lastOutput}`);
}
