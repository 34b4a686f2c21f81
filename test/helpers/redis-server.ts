/**
 * Starts a throwaway `redis-server` for a test file: free port, fresh temp dir, no
 * persistence, `KEYS` disabled (so any use of it by the library fails loudly). Fault tests
 * `kill()` it (SIGKILL, as in a crash) and `restart()` it on the same port and dir.
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
  /** The server's working directory (removed by `stop`, kept by `kill` for `restart`). */
  dir: string;
  /** Process id of the running server (changes on `restart`). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 2 s; waits for exit and removes `dir`. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash: waits for the exit, keeps `dir` (and its AOF/RDB files) for `restart`. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port and in the same `dir`, with the same arguments
   * (plus `args`); resolves once it answers `PING`. Stops a running server first (SIGKILL).
   */
  restart(options?: { args?: string[] }): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, appended after the defaults. */
  args?: string[];
}

const NOT_FOUND =
  "redis-server not found on PATH: install it (e.g. apt-get install -y redis-server) — the Redis test suites never skip";
const READY_TIMEOUT_MS = 10_000;
const MAX_PORT_ATTEMPTS = 5;

/** Servers started and not yet stopped, killed synchronously if this process exits without stopping them. */
const live = new Set<Instance>();
let exitHookInstalled = false;

/** One server: its port, dir and arguments stay; its process changes on restart. */
interface Instance {
  child: ChildProcess | undefined;
  readonly dir: string;
}

function killAllSync(): void {
  for (const instance of live) {
    const pid = instance.child?.pid;
    if (pid !== undefined && running(instance.child)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(instance.dir, { recursive: true, force: true });
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

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
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

function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Ends the process with `signal` (escalating to SIGKILL after 2 s) and waits for its exit. */
async function endChild(child: ChildProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (!running(child) || child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // already gone
  }
  if (await waitForExit(child, signal === "SIGKILL" ? 5000 : 2000)) return;
  try {
    process.kill(child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  await waitForExit(child, 5000);
}

type Spawned = { ok: true; child: ChildProcess } | { ok: false; portInUse: boolean; output: string };

/** Spawns `redis-server` with `redisArgs` in `dir` and waits until `port` answers `PING`. */
async function spawnServer(
  redisServer: string,
  port: number,
  dir: string,
  redisArgs: readonly string[],
): Promise<Spawned> {
  // Where available, have the kernel kill the server if this process dies without cleanup.
  const setpriv = findOnPath("setpriv");
  const [command, args] =
    setpriv === undefined
      ? [redisServer, [...redisArgs]]
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
  if (child.pid === undefined) {
    await sleep(10);
    if (spawnError !== undefined && (spawnError as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(NOT_FOUND);
    }
    throw new Error(`could not spawn redis-server: ${spawnError?.message ?? "unknown error"}`);
  }
  // Once started, the server must not keep the test process's event loop alive by itself.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!running(child)) {
      return { ok: false, portInUse: /address already in use/i.test(output), output };
    }
    if (await ping(port)) return { ok: true, child };
    await sleep(50);
  }
  await endChild(child, "SIGKILL");
  throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms; output:\n${output}`);
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
  const instance: Instance = { child: undefined, dir };
  installExitHook();
  live.add(instance);
  const stop = async (): Promise<void> => {
    if (instance.child) await endChild(instance.child, "SIGTERM");
    live.delete(instance);
    rmSync(dir, { recursive: true, force: true });
  };
  let spawned: Spawned;
  try {
    spawned = await spawnServer(redisServer, port, dir, redisArgs);
  } catch (err) {
    await stop();
    throw err;
  }
  if (!spawned.ok) {
    await stop();
    return spawned;
  }
  instance.child = spawned.child;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return instance.child?.pid ?? -1;
    },
    stop,
    async kill() {
      if (instance.child) await endChild(instance.child, "SIGKILL");
    },
    async restart(options = {}) {
      if (!live.has(instance)) throw new Error("restart() after stop()");
      if (instance.child) await endChild(instance.child, "SIGKILL");
      instance.child = undefined;
      const again = await spawnServer(redisServer, port, dir, [...redisArgs, ...(options.args ?? [])]);
      if (!again.ok)
        throw new Error(`redis-server failed to restart on port ${port}; output:\n${again.output}`);
      instance.child = again.child;
    },
  };
  return { ok: true, server };
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
