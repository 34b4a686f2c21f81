/**
 * Runs `convmem inspect --json` as a real child process (the built CLI, as a user would) and
 * hands back where it listens; `stop()` sends SIGTERM and waits for the exit code.
 */
import type { ChildProcess } from "node:child_process";
import { spawnCli } from "./cli.js";

/** A running `convmem inspect`. */
export interface InspectorProcess {
  /** The printed URL (with `?token=` when a token is required). */
  readonly url: string;
  /** `http://127.0.0.1:<port>` — where a local client reaches it, whatever the bind. */
  readonly base: string;
  readonly port: number;
  readonly token: string | null;
  readonly child: ChildProcess;
  /** SIGTERM; resolves to the exit code (fails the test if it does not exit within 5 s). */
  stop(): Promise<number | null>;
}

/** Starts `convmem inspect --json ...args`; rejects with its stderr if it exits first. */
export function startInspectorCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<InspectorProcess> {
  const child = spawnCli(["inspect", "--json", ...args], { env });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`convmem inspect printed no address within 10 s; stderr: ${stderr}`));
    }, 10_000);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`convmem inspect exited (${code}) before listening; stderr: ${stderr}`));
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split("\n")[0];
      if (!stdout.includes("\n") || line === undefined) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; port: number; token: string | null };
      resolve({
        ...info,
        base: `http://127.0.0.1:${info.port}`,
        child,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
  });
}
