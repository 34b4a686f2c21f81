// vitest config for the convmem/testing proof (test/vitest/vitest.test.ts runs it).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Vite's cache under the repo's node_modules, not test/vitest/node_modules.
  cacheDir: fileURLToPath(new URL("../../node_modules/.vite", import.meta.url)),
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.vitest.mjs"],
    // The contract's describeConcurrent groups (TTL expiry, registry) run ~20 sleeping tests at once.
    maxConcurrency: 30,
    watch: false,
  },
});
