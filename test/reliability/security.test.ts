/**
 * Security, against a real redis-server with a TLS listener (certificates made here with
 * openssl; client certificates required) next to its plain one:
 *
 * - TLS (`rediss://`): the whole API works; an untrusted server certificate, a missing client
 *   certificate or a plain connection to the TLS port fail with StoreUnavailableError, within
 *   the bound, saying why.
 * - The README's minimal ACL, run as written: it lists exactly the commands convmem uses, the
 *   whole API works under it (over TLS too), and without any one of its commands — or with
 *   another key prefix, or a wrong password — convmem fails with a clear typed error.
 * - Passwords never appear in any error, however it is printed.
 * - `keyPrefix` isolation between several tenants on one Redis.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import {
  createMemoryManager,
  type MemoryManager,
  type MemoryManagerOptions,
  StoreError,
  StoreUnavailableError,
} from "../../src/index.js";
import { fixture, repoRoot, runNode } from "../helpers/node-child.js";
import { freePort, type RedisServer, startRedis } from "../helpers/redis-server.js";
import { exercise } from "./workload.js";

const FAIL_TIMEOUT_MS = 800;
const BOUND_MS = FAIL_TIMEOUT_MS + 80 + 400;

/** The Redis commands convmem sends itself (all else is called from its Lua functions; LRANGE both; MGET plain only). */
const SENT_DIRECTLY = ["fcall", "function|load", "lrange", "mget", "time", "zrange"];

/** Granted for speed only: without it convmem sends the functions instead (`get`'s plain MGET). */
const OPTIONAL = ["mget"];

/** Connection handshake commands node-redis sends (it ignores their errors), and the test's own. */
const NOT_CONVMEM = /^(hello|auth|client\|.*|config\|.*|info|script\|.*|acl\|.*|ping|debug)$/;

interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl. */
function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), "convmem-tls-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=convmem test CA",
  );
  for (const [name, subject, ext] of [
    ["server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"],
    ["client", "/CN=convmem", "extendedKeyUsage=clientAuth\n"],
  ] as const) {
    writeFileSync(at(`${name}.ext`), ext);
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  }
  const read = (name: string) => readFileSync(at(name), "utf8");
  return {
    dir,
    ca: read("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
  };
}

/** The README's `ACL SETUSER` line, as arguments, with the password filled in. */
function readmeAcl(password: string): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.split("## Minimal Redis ACL")[1];
  assert.ok(section, "README has a Minimal Redis ACL section");
  const line = /```sh\n(redis-cli ACL SETUSER [^\n]+)\n```/.exec(section)?.[1];
  assert.ok(line, "the section shows the ACL SETUSER command");
  const args = line.split(/\s+/).map((word) => word.replace(/^'(.*)'$/, "$1"));
  assert.equal(args.shift(), "redis-cli");
  assert.ok(args.includes(">CHANGE-ME"), "the README's password placeholder is >CHANGE-ME");
  return args.map((a) => (a === ">CHANGE-ME" ? `>${password}` : a));
}

/** The `+command` grants of an ACL rule, lower case. */
function grants(acl: readonly string[]): string[] {
  return acl.filter((a) => a.startsWith("+")).map((a) => a.slice(1).toLowerCase());
}

/** The commands in convmem's Lua scripts (quoted upper-case words on redis.call / pcall(redis.call, …) lines that Redis knows). */
async function scriptCommands(admin: ReturnType<typeof createClient>): Promise<string[]> {
  const dir = join(repoRoot, "src", "store", "redis", "lua");
  const words = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (!/redis\.p?call\(|pcall\(redis\.call,/.test(line)) continue;
      for (const [, word] of line.matchAll(/'([A-Z]+)'/g)) words.add(word as string);
    }
  }
  const known: string[] = [];
  for (const word of words) {
    const info = (await admin.sendCommand(["COMMAND", "INFO", word])) as unknown[];
    if (info[0] !== null && info[0] !== undefined) known.push(word.toLowerCase());
  }
  return known.sort();
}

/** Runs `call`, which must reject with `cls` within the bound; returns the error. */
async function failsWithin<E extends Error>(
  call: () => Promise<unknown>,
  cls: new (...args: never[]) => E,
  boundMs = BOUND_MS,
): Promise<E> {
  const start = Date.now();
  try {
    await call();
  } catch (err) {
    const took = Date.now() - start;
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.ok(took <= boundMs, `rejected after ${took} ms`);
    return err;
  }
  assert.fail(`expected ${cls.name}, but the call succeeded`);
}

describe("security", { concurrency: true }, () => {
  let certs: Certificates;
  let server: RedisServer;
  let tlsPort: number;
  let admin: ReturnType<typeof createClient>;
  const password = `pw-${randomUUID()}`;
  const managers: MemoryManager[] = [];
  const open = (options: MemoryManagerOptions): MemoryManager => {
    const manager = createMemoryManager(options);
    managers.push(manager);
    return manager;
  };
  const userUrl = (user: string, pw = password) => `redis://${user}:${pw}@127.0.0.1:${server.port}`;

  before(async () => {
    certs = makeCertificates();
    tlsPort = await freePort();
    server = await startRedis({
      args: [
        "--tls-port",
        String(tlsPort),
        "--tls-cert-file",
        certs.serverCert,
        "--tls-key-file",
        certs.serverKey,
        "--tls-ca-cert-file",
        join(certs.dir, "ca.crt"),
        "--tls-auth-clients",
        "yes",
      ],
    });
    admin = createClient({ url: server.url });
    await admin.connect();
    await admin.sendCommand(readmeAcl(password));
  });

  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await admin.close();
    await server.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  describe("TLS (rediss://)", { concurrency: true }, () => {
    const tls = () => ({ tls: true as const, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });

    it("the whole API works over TLS with certificates made by openssl, as the README's ACL user too", async () => {
      // Prefixes of their own (inside the ACL's `memory:*`): the workload's cleanup removes every idle conversation.
      const keyPrefix = () => `memory:tls-${randomUUID()}`;
      await exercise(
        open({ redis: { url: `rediss://127.0.0.1:${tlsPort}`, socket: tls() }, keyPrefix: keyPrefix() }),
      );
      await exercise(
        open({
          redis: { url: `rediss://convmem:${password}@127.0.0.1:${tlsPort}`, socket: tls() },
          keyPrefix: keyPrefix(),
        }),
      );
    });

    it("an untrusted server certificate fails clearly within the bound, first call and later ones", async () => {
      const manager = open({ redis: `rediss://127.0.0.1:${tlsPort}`, timeoutMs: FAIL_TIMEOUT_MS });
      for (let i = 0; i < 2; i++) {
        const err = await failsWithin(() => manager.getMemory("c").get("x"), StoreUnavailableError);
        assert.match(err.message, /certificate/, err.message);
      }
    });

    it("a missing client certificate, or plain Redis to the TLS port, fails within the bound", async () => {
      for (const redis of [
        { url: `rediss://127.0.0.1:${tlsPort}`, socket: { tls: true as const, ca: certs.ca } },
        `redis://127.0.0.1:${tlsPort}`,
      ]) {
        const manager = open({ redis, timeoutMs: FAIL_TIMEOUT_MS });
        for (let i = 0; i < 2; i++) {
          const err = await failsWithin(() => manager.getMemory("c").set("x", 1), StoreUnavailableError);
          assert.match(err.message, /\(last error: .+\)/, `says why: ${err.message}`);
        }
      }
    });
  });

  describe("the README's minimal ACL", { concurrency: false }, () => {
    it("lists exactly the commands convmem uses", async (t) => {
      const listed = grants(readmeAcl(password)).sort();
      const inScripts = await scriptCommands(admin);
      assert.deepEqual(listed, [...new Set([...SENT_DIRECTLY, ...inScripts])].sort(), "README vs source");
      // And the workload reaches every one of them (so the next tests prove each is needed):
      // counted on a server of its own, where convmem loads its library itself.
      const own = await startRedis();
      const stats = createClient({ url: own.url });
      try {
        await stats.connect();
        const manager = createMemoryManager({ redis: own.url });
        await exercise(manager);
        await manager.close();
        const info = String(await stats.sendCommand(["INFO", "commandstats"]));
        const used = [...info.matchAll(/^cmdstat_([^:]+):/gm)]
          .map(([, name]) => name as string)
          .filter((name) => !NOT_CONVMEM.test(name))
          .sort();
        assert.deepEqual(used, listed);
      } finally {
        await stats.close();
        await own.stop();
      }
      t.diagnostic(`${listed.length} commands: ${listed.join(" ")}`);
    });

    it("the whole API works under it, the library loaded from scratch (FUNCTION LOAD included)", async () => {
      await admin.sendCommand(["FUNCTION", "FLUSH"]);
      await exercise(open({ redis: userUrl("convmem") }));
    });

    it("where FUNCTION LOAD is refused, the whole API works on scripts (+evalsha +eval instead)", async () => {
      const full = readmeAcl(password);
      const user = "convmem-scripts";
      const scripts = full
        .map((a) => (a === "convmem" ? user : a))
        .filter((a) => a !== "+fcall" && a !== "+function|load");
      await admin.sendCommand([...scripts, "+evalsha", "+eval"]);
      await admin.sendCommand(["FUNCTION", "FLUSH"]);
      await admin.sendCommand(["SCRIPT", "FLUSH"]);
      await admin.configResetStat();
      await exercise(open({ redis: userUrl(user) }));
      // (Other tests' managers run FCALL on this server meanwhile: this user cannot.)
      const info = String(await admin.sendCommand(["INFO", "commandstats"]));
      assert.match(info, /cmdstat_evalsha:calls=[1-9]/, "the operations ran as scripts");
      assert.match(info, /cmdstat_fcall:calls=\d+,usec=\d+,usec_per_call=[0-9.]+,rejected_calls=[1-9]/);
    });

    it("a library another process loaded is used, also by a user that may not load one", async () => {
      const full = readmeAcl(password);
      const user = "convmem-fcall-only";
      await admin.sendCommand(
        full.map((a) => (a === "convmem" ? user : a)).filter((a) => a !== "+function|load"),
      );
      await admin.sendCommand(["FUNCTION", "FLUSH"]);
      const loader = open({ redis: userUrl("convmem") });
      await loader.getMemory(`loads-${randomUUID()}`).set("x", 1);
      const libraries = (await admin.sendCommand(["FUNCTION", "LIST"])) as unknown[];
      assert.equal(libraries.length, 1, "one library");
      await exercise(open({ redis: userUrl(user) }));
    });

    it("without any one of its commands, convmem fails with a clear StoreError", async (t) => {
      // On a server of its own: no other test's manager loads the library there meanwhile
      // (with the library loaded, a user without function|load works: the test above).
      const full = readmeAcl(password);
      const own = await startRedis();
      const ownAdmin = createClient({ url: own.url });
      try {
        await ownAdmin.connect();
        for (const command of grants(full)) {
          const user = `convmem-without-${command}`;
          await ownAdmin.sendCommand([
            ...full.map((a) => (a === "convmem" ? user : a)).filter((a) => a !== `+${command}`),
          ]);
          await ownAdmin.sendCommand(["FUNCTION", "FLUSH"]);
          const manager = open({
            redis: `redis://${user}:${password}@127.0.0.1:${own.port}`,
            timeoutMs: 2000,
          });
          if (OPTIONAL.includes(command)) {
            await exercise(manager); // a plain read the functions do too: refused once, then functions
            await manager.close();
            continue;
          }
          const err = await failsWithin(() => exercise(manager), StoreError, 5000);
          assert.equal(err.code, "ERR_STORE");
          assert.match(err.message, /NOPERM|can't run this command/, `without ${command}: ${err.message}`);
          assert.match(err.message, /Minimal Redis ACL/, "the message says where to look");
          assert.ok(err.cause instanceof Error, "the Redis error is kept as cause");
          assert.ok(!err.message.includes(password));
          await manager.close();
        }
      } finally {
        await ownAdmin.close();
        await own.stop();
      }
      t.diagnostic(
        `each of ${grants(full).length - OPTIONAL.length} commands shown to be needed; ${OPTIONAL.join(", ")} optional`,
      );
    });

    it("a refusal inside a script is reported as one, never as a type mismatch or a conflict", async () => {
      const full = readmeAcl(password);
      const owner = open({ redis: server.url });
      const id = `refusal-${randomUUID()}`;
      await owner.getMemory(id).update({ n: 1, list: [1, 2], empty: [] });
      const without = async (command: string) => {
        const user = `convmem-refused-${command}`;
        await admin.sendCommand(
          full.map((a) => (a === "convmem" ? user : a)).filter((a) => a !== `+${command}`),
        );
        return open({ redis: userUrl(user), timeoutMs: 2000 }).getMemory(id);
      };
      const refused = async (call: Promise<unknown>, what: string) => {
        const err = await failsWithin(() => call, StoreError);
        assert.match(err.message, /NOPERM|can't run this command/, `${what}: ${err.message}`);
      };
      const noGet = await without("get");
      await refused(noGet.incr("n"), "incr without GET");
      await refused(noGet.get("list"), "get of a list without GET (the function reads it)");
      const noLlen = await without("llen");
      await refused(noLlen.listLength("list"), "listLength without LLEN");
      await refused(noLlen.remove("list", 1), "remove without LLEN");
      const noLrange = await without("lrange");
      await refused(noLrange.getList("list"), "getList without LRANGE");
      await refused(noLrange.getList("empty"), "getList of an empty list without LRANGE");
      assert.deepEqual(await owner.getMemory(id).items(), [
        ["empty", []],
        ["list", [1, 2]],
        ["n", 1],
      ]);
    });

    it("a key prefix outside the ACL's pattern fails with StoreError (NOPERM), and touches nothing", async () => {
      const manager = open({ redis: userUrl("convmem"), keyPrefix: "someone-else" });
      const err = await failsWithin(() => manager.getMemory("c").set("x", 1), StoreError);
      assert.match(err.message, /NOPERM/);
      await failsWithin(() => manager.getStats(), StoreError);
      await failsWithin(() => manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), StoreError);
      const { keys } = await admin.scan("0", { MATCH: "someone-else:*", COUNT: 100_000 });
      assert.deepEqual(keys, []);
    });

    it("a wrong password fails with StoreUnavailableError naming WRONGPASS, first call and later ones", async () => {
      const wrong = `wrong-${randomUUID()}`;
      const manager = open({ redis: userUrl("convmem", wrong), timeoutMs: FAIL_TIMEOUT_MS });
      for (let i = 0; i < 2; i++) {
        const err = await failsWithin(() => manager.getMemory("c").get("x"), StoreUnavailableError);
        assert.match(err.message, /WRONGPASS/);
        assert.ok(!`${err.message} ${err.stack}`.includes(wrong));
      }
    });
  });

  it("passwords never appear in errors, however they are printed", async () => {
    const secret = `S3cr3t-${randomUUID()}`;
    const child = runNode(fixture("secret-errors.mjs"), [
      String(server.port),
      String(tlsPort),
      secret,
      password,
    ]);
    const exit = await child.exit(30_000);
    assert.equal(exit.code, 0, exit.stderr);
    const output = `${exit.stdout}\n${exit.stderr}`;
    for (const hidden of [secret, password]) {
      assert.ok(!output.includes(hidden), "a password was printed");
      assert.ok(!output.includes(encodeURIComponent(hidden)), "a password was printed (URL-encoded)");
    }
    const outcomes = [...exit.stdout.matchAll(/^scenario (.+): (\S+)$/gm)].map(
      ([, name, code]) => `${name}: ${code}`,
    );
    assert.deepEqual(outcomes, [
      "malformed URL: ERR_VALIDATION",
      "unreachable: ERR_STORE_UNAVAILABLE",
      "unreachable: ERR_STORE_UNAVAILABLE",
      "wrong password: ERR_STORE_UNAVAILABLE",
      "wrong password: ERR_STORE_UNAVAILABLE",
      "password option, unreachable: ERR_STORE_UNAVAILABLE",
      "password option, unreachable: ERR_STORE_UNAVAILABLE",
      "untrusted TLS certificate: ERR_STORE_UNAVAILABLE",
      "untrusted TLS certificate: ERR_STORE_UNAVAILABLE",
      "ACL refusal: ERR_STORE",
      "ACL refusal: ERR_STORE",
    ]);
  });

  it("keyPrefix isolation: tenants with the same ids and fields on one Redis never see each other", async () => {
    const tenants = ["acme", "acme:conv", "acme:meta", "acme-", "globex"].map((keyPrefix) => ({
      keyPrefix,
      manager: open({ redis: server.url, keyPrefix }),
    }));
    const ids = ["c1", "*", "{c1}", "c1}:x", "%7B"];
    for (const { keyPrefix, manager } of tenants) {
      for (const id of ids) {
        const memory = manager.getMemory(id);
        await memory.update({ owner: keyPrefix, "x}:y": keyPrefix });
        await memory.addMessage("user", keyPrefix, {}, { id: "m1" });
      }
    }
    const check = async (alive: Set<string>) => {
      for (const { keyPrefix, manager } of tenants) {
        const listed = (await manager.getStats()).conversations.map((c) => c.conversationId).sort();
        assert.deepEqual(listed, alive.has(keyPrefix) ? [...ids].sort() : [], `${keyPrefix}: stats`);
        for (const id of alive.has(keyPrefix) ? ids : []) {
          const memory = manager.getMemory(id);
          assert.deepEqual(await memory.items(), [
            ["messages", [(await memory.getMessages())[0]]],
            ["owner", keyPrefix],
            ["x}:y", keyPrefix],
          ]);
          assert.equal((await memory.getMessages())[0]?.content, keyPrefix, `${keyPrefix}/${id}: message`);
        }
      }
    };
    await check(new Set(tenants.map((t) => t.keyPrefix)));
    // One tenant's cleanup removes only its own conversations.
    const [acme, acmeConv] = tenants;
    assert.ok(acme && acmeConv);
    assert.equal(await acme.manager.cleanupConversation("c1"), 3);
    assert.equal(await acme.manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), ids.length - 1);
    assert.equal(await acmeConv.manager.cleanupExpiredConversations({ maxAgeSeconds: 0 }), ids.length);
    await check(new Set(["acme:meta", "acme-", "globex"]));
  });
});
