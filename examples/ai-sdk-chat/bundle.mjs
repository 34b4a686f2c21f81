// The page's script: client.mjs and the parts of `ai` it imports, bundled with esbuild in
// memory (no build step, nothing written). server.mjs imports this module first, so esbuild
// (a process of its own) bundles while Node is still loading `ai`, redis and convmem.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** Resolves to `{ js, gzip }`: the minified ES module and its gzip encoding (bytes). */
export const clientBundle = build({
  entryPoints: [fileURLToPath(new URL("./client.mjs", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "browser",
  minify: true,
  write: false,
  logLevel: "warning",
}).then(({ outputFiles: [out] }) => ({ js: out.contents, gzip: gzipSync(out.contents) }));
