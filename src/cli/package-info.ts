/**
 * Where the installed `convmem` package is and which version it is: found by walking up from
 * this module to the `package.json` named `convmem` (works from `dist/cli/` and from a test build).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface PackageJson {
  name?: unknown;
  version?: unknown;
}

let cached: { root: string; manifest: PackageJson } | undefined;

function locate(): { root: string; manifest: PackageJson } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
      if (manifest.name === "convmem") {
        cached = { root: dir, manifest };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the convmem package.json above the CLI");
    dir = parent;
  }
}

/** The package's root directory (holding `package.json`, `dist/`, `examples/`). */
export function packageRoot(): string {
  return locate().root;
}

/** The package version from `package.json`. */
export function packageVersion(): string {
  return String(locate().manifest.version);
}
