// vitest config for LangGraph's checkpoint validator on ConvmemSaver (validator.test.ts runs it).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  cacheDir: fileURLToPath(new URL("../../node_modules/.vite", import.meta.url)),
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.vitest.mjs"],
    // The validator's spec files call describe/it/beforeAll as globals.
    globals: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    watch: false,
  },
});
