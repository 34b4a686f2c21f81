/**
 * The dependency direction of ../shared/STYLE.md, enforced on the source (every `import … from`
 * and `export … from` of src/**): the CLI uses only the public entry; stores never reach up into
 * the memory API; only store/redis/ talks to `redis`; the leaf modules stay leaves; the memory
 * API reaches a backend only through the `MemoryStore` seam.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers/node-child.js";

const SRC = join(repoRoot, "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Imports of one file: bare package names, or src-relative paths of local modules (`.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
    const spec = m[1] as string;
    if (spec.startsWith(".")) out.push(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ".ts"));
    else out.push(spec);
  }
  return out;
}

const graph = new Map(sources(SRC).map((file) => [relative(SRC, file), importsOf(file)]));

/** Every `[file, import]` edge whose file matches `from` and import matches `to`. */
function edges(from: RegExp, to: RegExp): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    if (!from.test(file)) continue;
    for (const target of imports) if (to.test(target)) out.push(`${file} -> ${target}`);
  }
  return out;
}

describe("dependency direction (STYLE.md)", () => {
  it("reads the source it checks", () => {
    assert.ok(graph.size > 30, `only ${graph.size} modules found under ${SRC}`);
    assert.ok(graph.get("memory.ts")?.includes("store/store.ts"), "memory.ts imports the seam");
  });

  it("only store/redis/ imports the redis client", () => {
    assert.deepEqual(edges(/^(?!store\/redis\/)/, /^(redis|@redis\/.*)$/), []);
  });

  it("the redis client's code loads in one place, on first use (store/redis/redis-module.ts)", () => {
    const valueImports: string[] = [];
    const requires: string[] = [];
    for (const [file] of graph) {
      const text = readFileSync(join(SRC, file), "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s+([^;]*?)from\s+"(redis|@redis\/[^"]*)"/gms)) {
        if (!/^type\s/.test(m[1] as string)) valueImports.push(`${file} -> ${m[2]}`);
      }
      if (/createRequire\(|\brequire\(\s*["'](redis|@redis)/.test(text)) requires.push(file);
    }
    assert.deepEqual(valueImports, [], "every import of redis is `import type`");
    assert.deepEqual(requires, ["store/redis/redis-module.ts"]);
  });

  it('`import "convmem"` loads no redis client code until a Redis store is created', () => {
    // In a child process: the modules node has loaded from the redis packages, after each step.
    const script = `
      import { createRequire } from "node:module";
      const cache = createRequire(import.meta.url).cache;
      const redisModules = () => Object.keys(cache).filter((k) => /node_modules\\/(redis|@redis)\\//.test(k)).length;
      const { createMemoryManager, InMemoryStore } = await import(${JSON.stringify(join(repoRoot, "build/src/index.js"))});
      const steps = [redisModules()];
      const memory = createMemoryManager({ store: new InMemoryStore() });
      await memory.getMemory("c").set("k", 1);
      await memory.close();
      steps.push(redisModules());
      const redis = createMemoryManager({ redis: "redis://127.0.0.1:9" });
      steps.push(redisModules());
      await redis.close();
      console.log(JSON.stringify(steps));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const [atImport, inMemory, withRedis] = JSON.parse(out) as number[];
    assert.equal(atImport, 0, "import loaded redis");
    assert.equal(inMemory, 0, "the in-memory store loaded redis");
    assert.ok((withRedis ?? 0) > 10, `a Redis store loaded ${withRedis} modules of redis`);
  });

  it("stores never import the memory API, the manager, agents or the CLI", () => {
    assert.deepEqual(edges(/^store\//, /^(memory|manager|agent|call-order|retry|index)\.ts$|^cli\//), []);
  });

  it("the memory API reaches a backend only through the MemoryStore seam", () => {
    assert.deepEqual(
      edges(/^(memory|agent|retry|call-order|messages|values)\.ts$/, /^store\/(redis|in-memory)/),
      [],
    );
  });

  it("the CLI imports only the public entry from the rest of the package (and the inspector)", () => {
    assert.deepEqual(edges(/^cli\//, /^(?!cli\/|inspector\/|index\.ts$|node:)/), []);
  });

  it("the inspector is built on the public entry only (and the CLI's error redaction)", () => {
    assert.deepEqual(edges(/^inspector\//, /^(?!inspector\/|cli\/errors\.ts$|index\.ts$|node:)/), []);
  });

  it("ai-sdk/ is built on the public entry only, and imports `ai` for types only", () => {
    assert.deepEqual(edges(/^ai-sdk\//, /^(?!ai-sdk\/|index\.ts$|ai$)/), []);
    for (const [file] of graph) {
      if (!file.startsWith("ai-sdk/")) continue;
      const text = readFileSync(join(SRC, file), "utf8");
      for (const m of text.matchAll(/^\s*(import|export)\s+([^;]*?)from\s+"ai"/gms))
        assert.match(m[2] as string, /^type\s/, `${file}: a value import of "ai"`);
    }
  });

  it('import "convmem" never reaches a framework (ai, @openai, @langchain, @opentelemetry)', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of graph.get(file) ?? []) {
        if (graph.has(spec)) visit(spec);
        else if (!spec.startsWith("node:")) bare.add(spec);
      }
    };
    visit("index.ts");
    assert.ok(seen.size > 10, `walked ${seen.size} modules`);
    assert.deepEqual(
      [...seen].filter((f) => /^(ai-sdk|otel|openai-agents|langgraph)\//.test(f)),
      [],
    );
    assert.deepEqual(
      [...bare].filter((s) => /^(ai|ai7)$|^@(openai|langchain|opentelemetry)\//.test(s)),
      [],
    );
  });

  it("leaf modules (keys, codec, errors, validate) import only each other", () => {
    assert.deepEqual(
      edges(/^(keys|codec|errors|validate)\.ts$/, /^(?!(keys|codec|errors|validate)\.ts$|node:)/),
      [],
    );
  });
  it("langgraph/ is built on the public entry only (and node: builtins, @langchain packages)", () => {
    assert.deepEqual(edges(/^langgraph\//, /^(?!langgraph\/|index\.ts$|node:|@langchain\/)/), []);
  });

  it('`import "convmem"` never loads a framework adapter or a framework package', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const target of graph.get(file) ?? []) visit(target);
    };
    visit("index.ts");
    assert.ok(seen.size > 20, `followed ${seen.size} modules from index.ts`);
    const frameworks = [...seen].filter((m) =>
      /^(langgraph|otel)\/|^@langchain\/|^@opentelemetry\/|^ai$|^@openai\//.test(m),
    );
    assert.deepEqual(frameworks, []);
  });
});
