/**
 * Starts a throwaway Sentinel setup for a test file: a primary, one replica, and three
 * sentinels (quorum 2) monitoring it as `mymaster`, on free ports in temp dirs, from the
 * redis-server binary. Torn down by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type RedisServer, startRedis } from "./redis-server.js";

export const MASTER_NAME = "mymaster";

export interface SentinelSetup {
  primary: RedisServer;
  replica: RedisServer;
  sentinels: Array<{ port: number; pid: number }>;
  /** `redis+sentinel://127.0.0.1:s1,…/mymaster` */
  url: string;
  sentinelRootNodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** Sends one inline command and resolves with the raw reply text. */
export function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = () => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(1000, done);
    socket.on("error", done);
    socket.on("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      setTimeout(done, 20);
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts primary + replica + 3 sentinels; resolves when the sentinels see the replica. */
export async function startSentinel(): Promise<SentinelSetup> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const servers: RedisServer[] = [];
  const stop = async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(servers.map((s) => s.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", () => {
    for (const child of children) child.kill("SIGKILL");
  });
  try {
    const primary = await startRedis();
    servers.push(primary);
    const replica = await startRedis({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
    servers.push(replica);
    await waitFor("replication", async () =>
      (await rawCommand(replica.port, "INFO replication")).includes("master_link_status:up"),
    );
    const sentinels: Array<{ port: number; pid: number }> = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), "convmem-sentinel-"));
      dirs.push(dir);
      const conf = join(dir, "sentinel.conf");
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      const child = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
      children.push(child);
      sentinels.push({ port, pid: child.pid ?? 0 });
    }
    for (const s of sentinels) {
      await waitFor(`sentinel ${s.port}`, async () =>
        (await rawCommand(s.port, `SENTINEL replicas ${MASTER_NAME}`)).includes(String(replica.port)),
      );
    }
    const sentinelRootNodes = sentinels.map((s) => ({ host: "127.0.0.1", port: s.port }));
    return {
      primary,
      replica,
      sentinels,
      sentinelRootNodes,
      url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${MASTER_NAME}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
