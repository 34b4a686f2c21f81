/**
 * `tail` through the built CLI against a real redis-server: prints the last messages, then a
 * message added after it started, and exits 0 on SIGTERM or SIGINT.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, describe, it } from "node:test";
import type { Message } from "../../src/index.js";
import { spawnCli, useCliRedis } from "../helpers/cli.js";
import { freshId } from "../helpers/targets.js";

/** Collects a child's output and waits for text to appear in it. */
function watch(child: ChildProcess) {
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  async function waitFor(stream: "stdout" | "stderr", pattern: RegExp, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(output[stream])) {
      if (child.exitCode !== null) throw new Error(`tail exited early: ${JSON.stringify(output)}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(output)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  async function stop(
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const started = Date.now();
    child.kill(signal);
    const result = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit after ${signal}`)), 5000)),
    ]);
    assert.ok(Date.now() - started < 5000);
    return result;
  }
  return { output, waitFor, stop };
}

describe("convmem tail", () => {
  const redis = useCliRedis();
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("prints the last messages, then new ones, and exits 0 on SIGTERM", async () => {
    const memory = redis.manager().getMemory(freshId());
    for (const text of ["one", "two", "three"]) await memory.addMessage("user", text);
    const child = spawnCli([
      "tail",
      memory.conversationId,
      "--limit",
      "2",
      "--interval",
      "50",
      "--url",
      redis.url,
    ]);
    children.push(child);
    const tail = watch(child);
    await tail.waitFor("stderr", /following/);
    assert.match(tail.output.stdout, /\suser\s+two\n.*\suser\s+three\n$/);
    assert.doesNotMatch(tail.output.stdout, /one/);
    await memory.addMessage("assistant", "added after tail started");
    await tail.waitFor("stdout", /\sassistant\s+added after tail started\n$/);
    await memory.addMessage("user", "and another");
    await tail.waitFor("stdout", /\suser\s+and another\n$/);
    assert.deepEqual(await tail.stop("SIGTERM"), { code: 0, signal: null });
    assert.equal(tail.output.stdout.trimEnd().split("\n").length, 4, "each message printed once");
  });

  it("follows a history rotated by maxMessages, prints NDJSON with --json, and exits 0 on SIGINT", async () => {
    const capped = redis.manager({ maxMessages: 3 });
    const memory = capped.getMemory(freshId());
    for (const text of ["a", "b", "c"]) await memory.addMessage("user", text);
    const child = spawnCli(["tail", memory.conversationId, "--json", "--limit", "0", "--interval", "50"], {
      env: { CONVMEM_REDIS_URL: redis.url },
    });
    children.push(child);
    const tail = watch(child);
    await tail.waitFor("stderr", /following/);
    assert.equal(tail.output.stdout, "");
    const added: Message[] = [];
    for (const text of ["d", "e"]) added.push(await memory.addMessage("assistant", text)); // count stays 3
    await tail.waitFor("stdout", /"content":"e"/);
    assert.deepEqual(await tail.stop("SIGINT"), { code: 0, signal: null });
    const printed = tail.output.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Message);
    assert.deepEqual(printed, added);
  });
});
