// Copies the Lua script files next to the compiled store module (tsc only emits .ts output).
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = process.argv[2];
if (!outDir) throw new Error("usage: copy-lua.mjs <outDir>");
const dest = join(root, outDir, "store", "redis", "lua");
mkdirSync(dest, { recursive: true });
cpSync(join(root, "src", "store", "redis", "lua"), dest, { recursive: true });
