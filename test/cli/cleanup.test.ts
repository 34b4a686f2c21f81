/**
 * `cleanup` through the built CLI against a real redis-server: `--dry-run` counts exactly and
 * deletes nothing; a real run removes the idle conversations and keeps the recent one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseJson, useCliRedis } from "../helpers/cli.js";
import { freshId, sleep } from "../helpers/targets.js";

describe("convmem cleanup", () => {
  const redis = useCliRedis();

  /** Three conversations idle for 4 s and one just written, under a fresh prefix. */
  async function idleAndFresh() {
    const { manager, cli } = redis.namespace();
    const old = [freshId("old"), freshId("old"), freshId("old")];
    for (const id of old) await manager.getMemory(id).update({ k: id });
    await manager.getMemory(old[0] ?? "").addMessage("user", "hello");
    await sleep(4000);
    const fresh = freshId("fresh");
    await manager.getMemory(fresh).set("k", "recent");
    return { manager, old, fresh, cli };
  }

  it("--dry-run reports how many would be removed and deletes nothing", async () => {
    const { manager, old, fresh, cli } = await idleAndFresh();
    // Written again before each run, so it stays idle for less than 3 s however slow a run is
    // on a busy machine (a CLI start takes a second or more there).
    const touch = () => manager.getMemory(fresh).set("k", "recent");
    const json = await cli("cleanup", "--max-age", "3s", "--dry-run", "--json");
    assert.equal(json.code, 0, json.stderr);
    const report = parseJson(json.stdout) as { dryRun: boolean; maxAgeSeconds: number; removed: number };
    assert.deepEqual([report.dryRun, report.maxAgeSeconds, report.removed], [true, 3, 3]);
    await touch();
    const human = await cli("cleanup", "--max-age", "3s", "--dry-run");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /dry run: would remove 3 conversations idle for over 3s/);
    const none = await cli("cleanup", "--max-age", "1h", "--dry-run", "--json");
    assert.equal((parseJson(none.stdout) as { removed: number }).removed, 0);
    for (const id of old) assert.equal(await manager.getMemory(id).get("k"), id, `${id} still readable`);
    assert.equal(await manager.getMemory(old[0] ?? "").getMessageCount(), 1);
    assert.equal(await manager.getMemory(fresh).get("k"), "recent");
    assert.equal((await manager.getStats()).totalConversations, 4);
  });

  it("removes conversations idle longer than --max-age and keeps the recent one", async () => {
    const { manager, old, fresh, cli } = await idleAndFresh();
    const result = await cli("cleanup", "--max-age", "3s", "--yes");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^removed 3 conversations idle for over 3s/);
    // stderr is not a terminal here: no progress bar redraws.
    assert.doesNotMatch(result.stderr, /\r|cleanup \[/);
    for (const id of old) assert.deepEqual(await manager.getMemory(id).keys(), [], `${id} removed`);
    assert.equal(await manager.getMemory(fresh).get("k"), "recent");
    const again = await cli("cleanup", "--max-age", "1h", "-y", "--json");
    assert.equal(again.code, 0, again.stderr);
    const report = parseJson(again.stdout) as Record<string, unknown>;
    assert.equal(report.removed, 0);
    assert.equal(report.dryRun, false);
    assert.deepEqual(
      (await manager.getStats()).conversations.map((c) => c.conversationId),
      [fresh],
    );
  });

  it("accepts plain seconds and minute/hour/day units", async () => {
    const { cli } = await idleAndFresh();
    for (const [age, seconds] of [
      ["3600", 3600],
      ["90s", 90],
      ["30m", 1800],
      ["24h", 86_400],
      ["7d", 604_800],
    ] as const) {
      const result = await cli("cleanup", "--max-age", age, "--yes", "--json");
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseJson(result.stdout), {
        dryRun: false,
        maxAgeSeconds: seconds,
        removed: 0,
        scanned: 0,
      });
    }
  });
});
