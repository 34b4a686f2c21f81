// Section 5: throughput of the demo workload (examples/demo.mjs: its own redis-server, N stateless
// SMS-assistant worker processes) with 4 workers vs 1, same sizes, alternating runs;
// median of the "throughput: N inbound messages/s" lines.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, ROUNDS } from "./harness.mjs";

const DEMO = fileURLToPath(new URL("../examples/demo.mjs", import.meta.url));
const SIZES = ["--conversations", "1200", "--messages", "10", "--no-kill"];

function demo(workers) {
  const out = spawnSync(process.execPath, [DEMO, "--workers", String(workers), ...SIZES], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const m = /throughput: (\d+) inbound messages\/s/.exec(out.stdout ?? "");
  if (!m) throw new Error(`demo --workers ${workers} printed no throughput:\n${out.stdout}\n${out.stderr}`);
  return Number(m[1]);
}

export function runWorkers({ log }) {
  const one = [];
  const four = [];
  const rounds = Math.min(ROUNDS, 3);
  for (let round = 0; round < rounds; round++) {
    one.push(demo(1));
    four.push(demo(4));
  }
  const row = {
    workload: `examples/demo.mjs ${SIZES.join(" ")}`,
    workers_1_msgs_s: median(one),
    workers_4_msgs_s: median(four),
    ratio: +(median(four) / median(one)).toFixed(2),
    rounds: { workers1: one, workers4: four },
  };
  log(`  1 worker ${row.workers_1_msgs_s} msgs/s, 4 workers ${row.workers_4_msgs_s} msgs/s -> ${row.ratio}x`);
  return row;
}
