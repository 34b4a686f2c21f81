/** `convmem demo` runs examples/demo.mjs with the terminal inherited; its exit code passes through. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli, useCliRedis } from "../helpers/cli.js";

describe("convmem demo", () => {
  const redis = useCliRedis();

  it("runs the bundled demo against the given Redis and exits 0", async () => {
    const args = ["--workers", "2", "--conversations", "12", "--messages", "4", "--concurrency", "4"];
    const result = await runCli(["--url", redis.url, "demo", ...args]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /2 worker processes, 12 conversations × 4 inbound SMS/,
      "arguments pass through",
    );
    assert.match(result.stdout, /verified: all 12 histories complete, ordered and duplicate-free/);
    assert.doesNotMatch(result.stdout, /in-memory store/);
  });

  it("passes the demo's failing exit code through", async () => {
    const result = await runCli(["--url", "redis://127.0.0.1:1", "demo"]);
    assert.equal(result.code, 1);
    assert.match(`${result.stdout}${result.stderr}`, /StoreUnavailableError|did not answer|unavailable/);
  });
});
