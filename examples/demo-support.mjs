// Demo plumbing: a throwaway redis-server, a progress bar, percentiles.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("error", () => resolve(false));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

async function spawnNode(extraArgs = []) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "convmem-demo-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...extraArgs];
  const proc = spawn("redis-server", args, { stdio: "ignore" });
  const stop = async () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", () => proc.kill("SIGKILL"));
  for (let i = 0; i < 100; i++) {
    if (await answersPing(port)) return { port, url: `redis://127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error("redis-server did not start within 5 s");
}

const hasRedis = () => !spawnSync("redis-server", ["--version"]).error;

/** Starts redis-server from PATH on a free port in a temp dir; undefined when it is not installed. */
export async function startRedisServer() {
  if (!hasRedis()) return undefined;
  const { url, stop } = await spawnNode();
  return { url, stop };
}

/**
 * Starts a 3-master Redis Cluster from PATH (free client and bus ports, temp dirs) joined with
 * `redis-cli --cluster create`; undefined when redis-server is not installed.
 */
export async function startRedisCluster(masters = 3) {
  if (!hasRedis()) return undefined;
  const nodes = [];
  const stop = async () => Promise.all(nodes.map((n) => n.stop()));
  try {
    for (let i = 0; i < masters; i++) {
      const bus = await freePort();
      const clusterArgs = [
        "--cluster-enabled",
        "yes",
        "--cluster-node-timeout",
        "2000",
        "--cluster-port",
        String(bus),
      ];
      nodes.push(await spawnNode(clusterArgs));
    }
    const hosts = nodes.map((n) => `127.0.0.1:${n.port}`);
    const created = spawnSync("redis-cli", ["--cluster", "create", ...hosts, "--cluster-yes"], {
      encoding: "utf8",
    });
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    for (const node of nodes) {
      for (let i = 0; ; i++) {
        const info = spawnSync("redis-cli", ["-p", String(node.port), "CLUSTER", "INFO"], {
          encoding: "utf8",
        });
        if (info.stdout.includes("cluster_state:ok")) break;
        if (i > 200) throw new Error("the cluster did not reach cluster_state:ok within 10 s");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return { url: `redis+cluster://${hosts.join(",")}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A one-line progress bar on stderr (only when stderr is a terminal). */
export class Progress {
  constructor(total) {
    this.total = total;
    this.count = 0;
    this.last = 0;
    this.tty = process.stderr.isTTY;
  }
  tick() {
    this.count++;
    const now = Date.now();
    if (!this.tty || (now - this.last < 100 && this.count < this.total)) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((this.count / this.total) * width);
    process.stderr.write(
      `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.count}/${this.total}`,
    );
  }
  done() {
    if (this.tty) process.stderr.write("\n");
  }
}

export function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
