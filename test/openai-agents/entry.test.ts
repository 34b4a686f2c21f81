/**
 * The package shape of `convmem/openai-agents`: the subpath resolves (types included), the
 * main entry `convmem` never loads it or the SDK (an optional peer dependency), and the default
 * manager is the shared one.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { it } from "node:test";
import { getMemoryManager, InMemoryStore } from "../../src/index.js";
import { ConvmemSession } from "../../src/openai-agents/index.js";
import { repoRoot } from "../helpers/node-child.js";
import { userMessage } from "./helpers.js";

const dist = join(repoRoot, "dist");

/** Every module reachable from `entry` by relative imports, and the bare specifiers they import. */
function graph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*)["']([^"']+)["']/g)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

it("convmem/openai-agents is an export with types; the main entry never loads it or the SDK", () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    exports: Record<string, { types: string; import: string }>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };
  const entry = manifest.exports["./openai-agents"];
  assert.ok(entry, "package.json exports ./openai-agents");
  assert.ok(existsSync(join(repoRoot, entry.types)), entry.types);
  assert.ok(existsSync(join(repoRoot, entry.import)), entry.import);
  assert.match(manifest.peerDependencies["@openai/agents-core"] ?? "", /^~0\.20\./);
  assert.equal(manifest.peerDependenciesMeta["@openai/agents-core"]?.optional, true);

  const adapter = graph(join(repoRoot, entry.import));
  assert.ok(adapter.bare.has("@openai/agents-core"), "the adapter imports the SDK (so this check can fail)");
  const main = graph(join(dist, "index.js"));
  assert.ok(main.files.size > 10, `followed ${main.files.size} modules from dist/index.js`);
  assert.deepEqual(
    [...main.files].filter((f) => f.startsWith(join(dist, "openai-agents"))),
    [],
  );
  assert.deepEqual(
    [...main.bare].filter((s) => s.startsWith("@openai/")),
    [],
  );
});

it("without a manager, the session uses the shared manager of the moment", async () => {
  const first = getMemoryManager({ store: new InMemoryStore() });
  const session = new ConvmemSession({ sessionId: "shared" });
  await session.addItems([userMessage("in the first shared manager")]);
  assert.deepEqual(await first.getMemory("shared").getList("agent_items"), [
    userMessage("in the first shared manager"),
  ]);
  await first.close();
  const second = getMemoryManager({ store: new InMemoryStore() });
  try {
    assert.deepEqual(await session.getItems(), [], "a closed shared manager is replaced, not used");
  } finally {
    await second.close();
  }
});
