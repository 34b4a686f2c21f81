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

/** Starts redis-server from PATH on a free port in a temp dir; undefined when it is not installed. */
export async function startRedisServer() {
  if (spawnSync("redis-server", ["--version"]).error) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "convmem-demo-"));
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    {
      stdio: "ignore",
    },
  );
  const stop = async () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", () => proc.kill("SIGKILL"));
  for (let i = 0; i < 100; i++) {
    if (await answersPing(port)) return { url: `redis://127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error("redis-server did not start within 5 s");
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
