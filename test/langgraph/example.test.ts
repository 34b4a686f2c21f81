/** examples/langgraph.mjs runs end to end on a real redis-server: paused in one process, resumed in another. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot, runNode } from "../helpers/node-child.js";
import { type RedisServer, startRedis } from "../helpers/redis-server.js";

describe("examples/langgraph.mjs", () => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
  });

  it("an interrupt raised by one worker process is resumed by another", async () => {
    const child = runNode(join(repoRoot, "examples", "langgraph.mjs"), [server?.url ?? ""]);
    const exit = await child.exit(60_000);
    assert.equal(exit.code, 0, exit.stderr);
    const lines = exit.stdout.trim().split("\n");
    const pid = (l: string | undefined) => l?.match(/^worker (\d+):/)?.[1];
    assert.match(lines[0] ?? "", /paused, asking \{"question":"Approve the refund\?"\}/);
    assert.match(exit.stdout, /human said "approve"/);
    assert.match(exit.stdout, /refund sent/);
    assert.notEqual(pid(lines[0]), pid(lines[1]), "two worker processes");
    assert.match(lines.at(-1) ?? "", /^done:/);
  });
});
