// Runs npm scripts side by side (`node scripts/parallel.mjs build build:test`), each one's output
// printed whole when it ends; fails, after all have ended, if any failed. `pretest` runs the two
// builds this way: they write separate folders (dist/, build/), and each is mostly one tsc on
// one core.
import { spawn } from "node:child_process";

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error("usage: node scripts/parallel.mjs <npm script>...");
  process.exit(2);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const results = await Promise.all(
  names.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm, ["run", "--silent", name], { stdio: ["ignore", "pipe", "pipe"] });
        const chunks = [];
        child.stdout.on("data", (d) => chunks.push(d));
        child.stderr.on("data", (d) => chunks.push(d));
        child.on("error", (error) => resolve({ name, code: 1, output: `${error.message}\n` }));
        child.on("close", (code, signal) =>
          resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString("utf8") }),
        );
      }),
  ),
);
let failed = false;
for (const { name, code, output } of results) {
  process.stdout.write(`> npm run ${name}: ${code === 0 ? "ok" : `failed (exit ${code})`}\n${output}`);
  if (code !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
