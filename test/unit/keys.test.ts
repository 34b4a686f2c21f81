import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkKeyPrefix, conversationKeys, escapeId, fieldKey, unescapeId } from "../../src/keys.js";

/** Redis Cluster's hash-tag rule: the part between the first `{` and the next `}`, if non-empty. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  if (open < 0) return key;
  const close = key.indexOf("}", open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

const ids = fc.oneof(
  fc.string({ minLength: 1, unit: "grapheme" }),
  fc.string({
    minLength: 1,
    unit: fc.constantFrom("*", "?", "[", "]", ":", "{", "}", "%", " ", "a", "7", "\\"),
  }),
);
const fields = ids;

describe("keys", () => {
  it("uses the documented layout", () => {
    const keys = conversationKeys("memory", "conv_123");
    assert.equal(fieldKey(keys, "prefs"), "memory:conv:{conv_123}:prefs");
    assert.equal(keys.meta, "memory:meta:{conv_123}");
    assert.equal(keys.messageIds, "memory:mids:{conv_123}");
    assert.equal(keys.live, "memory:live:{conv_123}");
  });

  it("percent-encodes only %, { and }", () => {
    assert.equal(escapeId("a}:x"), "a%7D:x");
    assert.equal(escapeId("{%}"), "%7B%25%7D");
    assert.equal(escapeId("sms:+1 555 * ?[x] 🙂"), "sms:+1 555 * ?[x] 🙂");
  });

  it("escaping round-trips for any id", () => {
    fc.assert(
      fc.property(ids, (id) => unescapeId(escapeId(id)) === id),
      { numRuns: 2000 },
    );
  });

  it("no two distinct (id, field) pairs share a key", () => {
    fc.assert(
      fc.property(ids, fields, ids, fields, (id1, f1, id2, f2) => {
        fc.pre(id1 !== id2 || f1 !== f2);
        const k1 = fieldKey(conversationKeys("memory", id1), f1);
        const k2 = fieldKey(conversationKeys("memory", id2), f2);
        assert.notEqual(k1, k2);
      }),
      { numRuns: 3000 },
    );
    // The pair the escaping exists for.
    const a = fieldKey(conversationKeys("p", "a}:x"), "y");
    const b = fieldKey(conversationKeys("p", "a"), "x}:y");
    assert.notEqual(a, b);
  });

  it("every key of a conversation hashes on the escaped id, and bookkeeping keys never equal a field key", () => {
    fc.assert(
      fc.property(ids, fields, (id, field) => {
        const keys = conversationKeys("memory", id);
        const tag = escapeId(id);
        for (const key of [keys.meta, keys.messageIds, fieldKey(keys, field)]) {
          if (tag.length > 0) assert.equal(hashTag(key), tag);
        }
        const anyField = fieldKey(keys, field);
        assert.notEqual(anyField, keys.meta);
        assert.notEqual(anyField, keys.messageIds);
      }),
      { numRuns: 2000 },
    );
  });

  it("glob characters stay literal inside the tag (no id's keys match another id's key names)", () => {
    // A key of id "a*" must not be the key of id "a" or "ab", and vice versa.
    const star = fieldKey(conversationKeys("memory", "a*"), "f");
    for (const other of ["a", "ab", "a?", "a[b]"]) {
      assert.notEqual(star, fieldKey(conversationKeys("memory", other), "f"));
    }
  });

  it("rejects key prefixes with braces or empty", () => {
    assert.throws(() => checkKeyPrefix("a{b"), { code: "ERR_VALIDATION" });
    assert.throws(() => checkKeyPrefix("a}b"), { code: "ERR_VALIDATION" });
    assert.throws(() => checkKeyPrefix(""), { code: "ERR_VALIDATION" });
    assert.equal(checkKeyPrefix("tenant-a:memory"), "tenant-a:memory");
  });
});
