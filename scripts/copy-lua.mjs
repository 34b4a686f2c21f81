// Copies the files tsc does not emit next to their compiled modules: the Lua scripts of the
// Redis store, and the inspector's page (HTML, CSS, JS; hand-written, no build step).
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = process.argv[2];
if (!outDir) throw new Error("usage: copy-lua.mjs <outDir>");
const dest = join(root, outDir, "store", "redis", "lua");
mkdirSync(dest, { recursive: true });
cpSync(join(root, "src", "store", "redis", "lua"), dest, { recursive: true });
const assets = join(root, outDir, "inspector", "assets");
mkdirSync(assets, { recursive: true });
cpSync(join(root, "src", "inspector", "assets"), assets, { recursive: true });
