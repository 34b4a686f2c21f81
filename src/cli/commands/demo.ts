/**
 * `convmem demo [args…]`: runs the package's `examples/demo.mjs` with the given arguments and
 * the terminal inherited; its exit code is the CLI's. The demo's logic lives in the example.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";
import type { Command } from "../command.js";
import { packageRoot } from "../package-info.js";

/** `convmem demo` */
export const demo: Command = {
  name: "demo",
  summary: "run the bundled demo (examples/demo.mjs)",
  args: "[args…]",
  details:
    "Every argument after `demo` is passed to the demo unchanged; use `convmem demo -- --help`\n" +
    "to pass --help itself. The demo reads REDIS_URL (set from --url when given before `demo`);\n" +
    "without it, it starts a redis-server from PATH, else runs in memory.",
  example: "demo",
  options: {},
  minArgs: 0,
  maxArgs: Number.POSITIVE_INFINITY,
  passThrough: true,
  run(ctx, { positionals }) {
    const script = join(packageRoot(), "examples", "demo.mjs");
    const env = ctx.urlGiven ? { ...process.env, REDIS_URL: ctx.url } : process.env;
    const child = spawn(process.execPath, [script, ...positionals], { stdio: "inherit", env });
    // SIGINT from a terminal reaches the whole process group; SIGTERM sent to the CLI is passed on.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => {
        process.removeListener("SIGINT", forward);
        process.removeListener("SIGTERM", forward);
        resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
      });
    });
  },
};
