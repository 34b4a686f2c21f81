/**
 * Runs a fixture script (`test/fixtures/*.mjs`, which imports the built package from `dist/`)
 * in its own Node process, for the tests that need real processes: several writers, a process
 * whose Redis is killed under it, a process whose memory is measured, a process that must exit
 * by itself once it has closed convmem.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tests run from `build/test/…`). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Absolute path of `test/fixtures/<name>`. */
export function fixture(name: string): string {
  return join(repoRoot, "test", "fixtures", name);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface NodeChild {
  readonly process: ChildProcess;
  /** The next line the child prints on stdout (rejects if it exits first). */
  nextLine(): Promise<string>;
  /** Writes a line to the child's stdin. */
  send(line: string): void;
  /**
   * Resolves once the child exits by itself; if it is still running after `ms`, it is killed
   * and the promise rejects (a child that does not exit left a handle open, or hung).
   */
  exit(ms: number): Promise<Exit>;
}

/** Spawns `node [...execArgv] <file> [...args]` with piped stdio. */
export function runNode(
  file: string,
  args: readonly string[] = [],
  options: { execArgv?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): NodeChild {
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.execArgv ?? []), file, ...args], {
    cwd: repoRoot,
    env: options.env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let consumed = 0;
  let waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  let exited: Exit | undefined;
  const exitWaiters: Array<(exit: Exit) => void> = [];

  const deliver = (): void => {
    if (!waiting) return;
    const end = stdout.indexOf("\n", consumed);
    if (end >= 0) {
      const line = stdout.slice(consumed, end);
      consumed = end + 1;
      const { resolve } = waiting;
      waiting = undefined;
      resolve(line);
    } else if (exited) {
      const { reject } = waiting;
      waiting = undefined;
      reject(new Error(`child exited (code ${exited.code}, signal ${exited.signal}); stderr:\n${stderr}`));
    }
  };

  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    deliver();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on("error", () => {
    // the child may exit before reading its stdin
  });
  child.on("close", (code, signal) => {
    exited = { code, signal, stdout, stderr, ms: Date.now() - started };
    deliver();
    for (const waiter of exitWaiters.splice(0)) waiter(exited);
  });

  return {
    process: child,
    nextLine() {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        deliver();
      });
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    exit(ms) {
      if (exited) return Promise.resolve(exited);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`child still running after ${ms} ms; stderr:\n${stderr}`));
        }, ms);
        exitWaiters.push((exit) => {
          clearTimeout(timer);
          resolve(exit);
        });
      });
    },
  };
}
