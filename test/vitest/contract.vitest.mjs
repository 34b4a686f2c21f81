// The store contract through the published subpath, under vitest: a third party's view of
// `convmem/testing` (resolved via package.json "exports" to dist/testing/index.js).
import { InMemoryStore } from "convmem";
import { runStoreContract } from "convmem/testing";
import { afterAll, beforeAll, describe, it } from "vitest";

runStoreContract({
  name: "InMemoryStore (vitest)",
  createStore: () => new InMemoryStore(),
  describe,
  describeConcurrent: describe.concurrent,
  it,
  before: beforeAll,
  after: afterAll,
});
