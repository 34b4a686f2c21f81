/**
 * A session through the CLI: `show` lists its fields, `export` then `import` into another
 * namespace carries the items (bytes included) and the recorded operation ids, so the imported
 * session still recognizes a replay.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { useCliRedis } from "../helpers/cli.js";
import { EVERY_KIND } from "./items.js";

describe("ConvmemSession through the CLI", () => {
  const redis = useCliRedis();

  it("show lists the session; export/import carry items and operation ids losslessly", async () => {
    const from = redis.namespace();
    const to = redis.namespace();
    const session = new ConvmemSession({ sessionId: "conv {a}*", manager: from.manager });
    const tx = {
      operationId: "run:1:blocked_append:0:0",
      transaction: { type: "append_items" as const, items: EVERY_KIND },
    };
    await session.applyHistoryTransaction(tx);

    const shown = await from.cli("show", "conv {a}*");
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /agent_items\s/);
    assert.match(shown.stdout, /agent_items:ops\s/);

    const exported = await from.cli("export", "conv {a}*");
    assert.equal(exported.code, 0, exported.stderr);
    const dir = mkdtempSync(join(tmpdir(), "convmem-oa-cli-"));
    try {
      const file = join(dir, "export.json");
      writeFileSync(file, exported.stdout);
      const imported = await to.cli("import", file);
      assert.equal(imported.code, 0, imported.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const copy = new ConvmemSession({ sessionId: "conv {a}*", manager: to.manager });
    assert.deepEqual(await copy.getItems(), EVERY_KIND);
    await copy.applyHistoryTransaction(tx); // a replay: recognized after the import
    assert.deepEqual(await copy.getItems(), EVERY_KIND);
  });
});
