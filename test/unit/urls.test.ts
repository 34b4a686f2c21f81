/** The `redis+cluster://` and `redis+sentinel://` URL forms: hosts, credentials, TLS. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../../src/index.js";
import { credentialOptions, parseClusterUrl, parseSentinelUrl } from "../../src/store/redis/transport.js";

describe("connection URLs", () => {
  it("credentials: user and password, a lone password, an empty user, percent-encoding", () => {
    assert.deepEqual(credentialOptions("alice:s3cret", false), { username: "alice", password: "s3cret" });
    assert.deepEqual(credentialOptions("s3cret", false), { password: "s3cret" });
    assert.deepEqual(credentialOptions(":s3cret", false), { password: "s3cret" });
    assert.deepEqual(credentialOptions("a%40b:p%3Aw%2Fd", false), { username: "a@b", password: "p:w/d" });
    assert.deepEqual(credentialOptions(undefined, false), {});
    assert.deepEqual(credentialOptions(undefined, true), { socket: { tls: true } });
  });

  it("redis+cluster:// gives root nodes and per-node defaults", () => {
    assert.deepEqual(parseClusterUrl("redis+cluster://u:p@10.0.0.1:7000,10.0.0.2:7001"), {
      rootNodes: [{ url: "redis://10.0.0.1:7000" }, { url: "redis://10.0.0.2:7001" }],
      defaults: { username: "u", password: "p" },
    });
    assert.deepEqual(parseClusterUrl("rediss+cluster://h:7000"), {
      rootNodes: [{ url: "rediss://h:7000" }],
      defaults: { socket: { tls: true } },
    });
    assert.equal(parseClusterUrl("redis://h:6379"), undefined);
    assert.throws(() => parseClusterUrl("redis+cluster://,"), ValidationError);
  });

  it("redis+sentinel:// gives sentinels, the master name and the data nodes' credentials", () => {
    assert.deepEqual(parseSentinelUrl("redis+sentinel://u:p@s1:26379,s2/my%20master"), {
      name: "my master",
      sentinelRootNodes: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      nodeClientOptions: { username: "u", password: "p" },
    });
    assert.deepEqual(parseSentinelUrl("rediss+sentinel://s1:5000/m")?.nodeClientOptions, {
      socket: { tls: true },
    });
    assert.equal(parseSentinelUrl("redis+sentinel://s1:26379"), undefined, "the master name is required");
  });
});
