/**
 * The install paths of the README's "Install" section, as a user takes them, offline:
 *
 * 1. `npm pack` in a fresh checkout (a copy of the working tree: no `dist/`, no `node_modules/`
 *    but a link to the repository's, for `tsc`) builds `dist/` and packs it with the Lua
 *    scripts, `docs/`, `LICENSE` and `CHANGELOG.md`;
 * 2. that tarball installs into a fresh ESM app and a fresh CommonJS app, which import /
 *    require `convmem` (and `convmem/testing`), use an in-memory manager, and run the bin;
 * 3. a `git+file://` install of the checkout (committed into a throwaway git repository) does
 *    the same: npm clones it, installs its devDependencies, runs `prepare`, packs it;
 * 4. the README's TypeScript quick start compiles under `strict` against the installed types
 *    and runs against a real redis-server; a CommonJS TypeScript file compiles and runs too.
 *
 * No network: the apps are installed with `npm ci --offline` from lockfiles whose entries for
 * `redis` (and its dependencies) are copied from the repository's package-lock.json, so npm
 * takes every tarball from the cache that `npm ci` in the repository filled.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../helpers/node-child.js";
import { startRedis } from "../helpers/redis-server.js";

interface Manifest {
  name: string;
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Manifest;
const repoLock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

const OFFLINE_HINT =
  "these tests install offline, from npm's cache: run `npm ci` in the repository first (it fills the cache " +
  "with redis and the devDependencies), and keep package-lock.json in step with package.json";

/** The environment of every child: no npm_* variables of the `npm test` running us, npm offline. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  const cache = process.env.npm_config_cache;
  if (cache !== undefined) env.npm_config_cache = cache;
  return {
    ...env,
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a program; rejects with the command line, the exit and the end of its output. */
function run(
  file: string,
  args: string[],
  cwd: string,
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd,
        env: childEnv(options.env),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-40).join("\n");
        const hint = /ENOTCACHED|only-if-cached/.test(output) ? `\n${OFFLINE_HINT}` : "";
        const how = error.killed
          ? `killed (timeout ${options.timeoutMs ?? 60_000} ms)`
          : `exit ${error.code}`;
        reject(new Error(`\`${[file, ...args].join(" ")}\` in ${cwd} failed: ${how}\n${output}${hint}`));
      },
    );
  });
}

/**
 * Lockfile entries for `deps` and everything they need, copied from the repository's lockfile
 * at the same paths (so nested copies stay nested); optional peers that are not there are left out.
 */
function lockClosure(deps: Record<string, string>): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    let base = from;
    for (;;) {
      const path = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
      const entry = repoLock.packages[path];
      if (entry !== undefined) {
        if (path in out) return;
        const { dev: _d, devOptional: _o, peer: _p, optional: _op, ...kept } = entry;
        out[path] = kept;
        const needs = { ...entry.dependencies, ...entry.optionalDependencies };
        for (const dep of Object.keys(needs)) visit(path, dep, dep in (entry.optionalDependencies ?? {}));
        for (const dep of Object.keys(entry.peerDependencies ?? {})) {
          visit(path, dep, entry.peerDependenciesMeta?.[dep]?.optional === true);
        }
        return;
      }
      if (base === "") break;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut < 0 ? "" : base.slice(0, cut);
    }
    if (!optional) {
      throw new Error(
        `package-lock.json has no entry for ${name} (needed by ${from || "convmem"}); ${OFFLINE_HINT}`,
      );
    }
  };
  for (const name of Object.keys(deps)) visit("", name, false);
  return out;
}

/** A fresh app depending on convmem through `spec`, installed with `npm ci --offline`. */
async function createApp(
  dir: string,
  type: "module" | "commonjs",
  spec: string,
  resolved: string,
  integrity?: string,
) {
  mkdirSync(dir, { recursive: true });
  const deps = { convmem: spec };
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "app", version: "1.0.0", private: true, type, dependencies: deps }, null, 2)}\n`,
  );
  const convmem: LockEntry = {
    version: manifest.version,
    resolved,
    ...(integrity === undefined ? {} : { integrity }),
    license: manifest.license,
    dependencies: manifest.dependencies ?? {},
    bin: manifest.bin ?? {},
    engines: manifest.engines ?? {},
  };
  const lock = {
    name: "app",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "app", version: "1.0.0", dependencies: deps },
      "node_modules/convmem": convmem,
      ...lockClosure(manifest.dependencies ?? {}),
    },
  };
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
  await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], dir, { timeoutMs: 120_000 });
}

/** What the apps print: where `convmem` resolved to and what the in-memory manager did. */
const APP_CHECK = `
  const manager = createMemoryManager({ store: new InMemoryStore() });
  const memory = manager.getMemory("conv_1");
  await memory.set("preferences", { language: "en" });
  await memory.addMessage("user", "hello", {}, { id: "m-1" });
  await memory.addMessage("user", "hello", {}, { id: "m-1" });
  const out = {
    value: await memory.get("preferences"),
    messages: await memory.getMessageCount(),
    typedError: new ConvmemError("x") instanceof Error,
    contract: typeof runStoreContract,
  };
  await manager.close();
`;

const ESM_APP = `import { ConvmemError, createMemoryManager, InMemoryStore } from "convmem";
import { runStoreContract } from "convmem/testing";
${APP_CHECK}
console.log(JSON.stringify({ resolved: import.meta.resolve("convmem"), ...out }));
`;

const CJS_APP = `"use strict";
const { ConvmemError, createMemoryManager, InMemoryStore } = require("convmem");
const { runStoreContract } = require("convmem/testing");
(async () => {
${APP_CHECK}
  console.log(JSON.stringify({ resolved: require.resolve("convmem"), ...out }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** Runs one app file and checks it used the copy of convmem installed in that app. */
async function checkApp(app: string, file: string, source: string): Promise<void> {
  writeFileSync(join(app, file), source);
  const { stdout } = await run(process.execPath, [file], app);
  const printed = JSON.parse(stdout) as { resolved: string; [key: string]: unknown };
  const { resolved, ...rest } = printed;
  const path = resolved.startsWith("file:") ? fileURLToPath(resolved) : resolved;
  assert.equal(
    realpathSync(path),
    join(realpathSync(app), "node_modules", "convmem", "dist", "index.js"),
    `${file} loaded convmem from its own node_modules`,
  );
  assert.deepEqual(rest, { value: { language: "en" }, messages: 1, typedError: true, contract: "function" });
}

/** The installed package has its build, its scripts, its docs, and a working `convmem` bin. */
async function checkInstalled(app: string): Promise<void> {
  const pkg = join(app, "node_modules", "convmem");
  for (const file of [
    "dist/index.js",
    "dist/index.d.ts",
    "dist/cli/main.js",
    "docs/API.md",
    "LICENSE",
    "CHANGELOG.md",
  ]) {
    assert.ok(existsSync(join(pkg, file)), `the installed package has ${file}`);
  }
  for (const lua of luaSources()) {
    assert.ok(
      existsSync(join(pkg, "dist/store/redis/lua", lua)),
      `the installed package has the Lua file ${lua}`,
    );
  }
  const bin = join(app, "node_modules", ".bin", "convmem");
  assert.ok(existsSync(bin), "npm linked the convmem bin");
  const help = await run(bin, ["--help"], app);
  assert.match(help.stdout, /Usage: convmem <command>/, "convmem --help prints the usage");
  const version = await run(bin, ["--version"], app);
  assert.equal(version.stdout.trim(), manifest.version);
}

/** The Lua files of src/store/redis/lua, relative to it. */
function luaSources(): string[] {
  const root = join(repoRoot, "src", "store", "redis", "lua");
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  assert.ok(
    out.some((f) => f.endsWith(".lua")),
    `no Lua files under ${root}`,
  );
  return out;
}

/** The README's TypeScript quick start: the ```ts block of its "Quick start" section. */
function typeScriptQuickStart(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.split("\n## Quick start\n")[1]?.split("\n## ")[0];
  assert.ok(section, "README has a Quick start section");
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "the Quick start has a TypeScript (```ts) code block");
  assert.match(block, /from "convmem"/, "the TypeScript quick start imports convmem");
  return block;
}

describe("install: npm pack, tarball and git+file:// installs, ESM and CommonJS apps", () => {
  let work = "";
  let checkout = "";
  let tarball: string | undefined;
  let esmApp: string | undefined;

  before(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), "convmem-install-")));
    checkout = join(work, "convmem");
    // A fresh checkout of the working tree: tracked and untracked-but-not-ignored files.
    const { stdout } = await run(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      repoRoot,
    );
    const files = stdout
      .split("\0")
      .filter((f) => f !== "" && f.split("/")[0] !== "node_modules" && existsSync(join(repoRoot, f)));
    assert.ok(files.includes("package.json"), `git ls-files in ${repoRoot} did not list package.json`);
    for (const file of files) {
      mkdirSync(dirname(join(checkout, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(checkout, file), { verbatimSymlinks: true });
    }
    const git = ["-c", "user.name=convmem test", "-c", "user.email=test@convmem.invalid"];
    const quiet = ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"];
    await run("git", ["init", "-q"], checkout);
    await run("git", ["add", "-A"], checkout);
    await run("git", [...git, ...quiet, "commit", "-q", "-m", "checkout under test"], checkout);
  });

  after(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  it("npm pack in a fresh checkout builds dist/ and packs it with the Lua files, docs, LICENSE, CHANGELOG", async () => {
    assert.ok(!existsSync(join(checkout, "dist")), "the checkout starts without dist/");
    // Only tsc is needed from node_modules; the link stays out of the git repository (not committed).
    symlinkSync(join(repoRoot, "node_modules"), join(checkout, "node_modules"));
    await run("npm", ["pack", "--offline", "--pack-destination", work], checkout, { timeoutMs: 120_000 });
    const packed = join(work, `${manifest.name}-${manifest.version}.tgz`);
    assert.ok(existsSync(packed), `npm pack wrote ${packed}`);
    const listing = (await run("tar", ["-tzf", packed], work)).stdout.split("\n").filter((l) => l !== "");
    const files = new Set(listing.map((l) => l.replace(/^package\//, "")));
    const expected = [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "BENCHMARKS.md",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/testing/index.js",
      "dist/cli/main.js",
      "docs/API.md",
      "docs/deployment.md",
      "examples/demo.mjs",
      ...luaSources().map((f) => `dist/store/redis/lua/${f}`),
    ];
    assert.deepEqual(
      expected.filter((f) => !files.has(f)),
      [],
      "files missing from the tarball",
    );
    assert.deepEqual(
      [...files].filter((f) => /^(src|test|build|bench|scripts|node_modules)\//.test(f)),
      [],
      "sources, tests and build output stay out of the tarball",
    );
    tarball = packed;
  });

  it("the tarball installs into a fresh ESM app: import works, the bin runs", async () => {
    assert.ok(tarball, "no tarball: the npm pack test failed");
    const app = join(work, "esm-app");
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    const spec = `file:${relative(app, tarball)}`;
    await createApp(app, "module", spec, spec, integrity);
    await checkInstalled(app);
    await checkApp(app, "app.js", ESM_APP);
    esmApp = app;
  });

  it("the tarball installs into a fresh CommonJS app: require works, the bin runs", async () => {
    assert.ok(tarball, "no tarball: the npm pack test failed");
    const app = join(work, "cjs-app");
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    const spec = `file:${relative(app, tarball)}`;
    await createApp(app, "commonjs", spec, spec, integrity);
    await checkInstalled(app);
    await checkApp(app, "app.js", CJS_APP);
  });

  it("a git+file:// install builds dist/ and the bin (npm runs prepare), for ESM and CommonJS", async () => {
    const app = join(work, "git-app");
    const sha = (await run("git", ["rev-parse", "HEAD"], checkout)).stdout.trim();
    const url = `git+file://${checkout}`;
    await createApp(app, "module", url, `${url}#${sha}`);
    await checkInstalled(app);
    await checkApp(app, "app.js", ESM_APP);
    await checkApp(app, "app.cjs", CJS_APP);
  });

  it("the README's TypeScript quick start compiles under strict against the installed types and runs", async () => {
    assert.ok(esmApp, "no ESM app: the tarball install test failed");
    const app = esmApp;
    writeFileSync(join(app, "quickstart.ts"), typeScriptQuickStart());
    // The types are real (not `any`): a wrongly typed call must not compile.
    writeFileSync(
      join(app, "types-bite.ts"),
      [
        'import { createMemoryManager, InMemoryStore } from "convmem";',
        'const memory = createMemoryManager({ store: new InMemoryStore() }).getMemory<{ n: number }>("c");',
        "// @ts-expect-error a string is not a number",
        'await memory.set("n", "3");',
        "",
      ].join("\n"),
    );
    // A CommonJS TypeScript file: `import` compiles to require("convmem").
    writeFileSync(
      join(app, "commonjs.cts"),
      [
        'import { createMemoryManager, InMemoryStore } from "convmem";',
        "async function main(): Promise<void> {",
        "  const manager = createMemoryManager({ store: new InMemoryStore() });",
        '  const memory = manager.getMemory<{ turns: number }>("c");',
        '  const turns: number = await memory.incr("turns", 2);',
        "  console.log(turns);",
        "  await manager.close();",
        "}",
        "void main();",
        "",
      ].join("\n"),
    );
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(repoRoot, "node_modules", "@types")],
        outDir: "out",
      },
      files: ["quickstart.ts", "types-bite.ts", "commonjs.cts"],
    };
    writeFileSync(join(app, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], app);

    const compiled = readFileSync(join(app, "out", "commonjs.cjs"), "utf8");
    assert.match(compiled, /require\("convmem"\)/, "the .cts file compiled to require()");
    assert.equal((await run(process.execPath, ["out/commonjs.cjs"], app)).stdout.trim(), "2");

    const server = await startRedis();
    try {
      const { stdout } = await run(process.execPath, ["out/quickstart.js"], app, {
        env: { REDIS_URL: server.url },
      });
      assert.equal(stdout.trim(), "en 1 1", "the quick start prints what its comment says");
    } finally {
      await server.stop();
    }
  });
});
