/**
 * The CLI's surface through the built entry: help for every command, --version, usage errors
 * (exit 2), where the Redis URL comes from, and an unreachable Redis (exit 1, within a few
 * seconds, no password printed).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { type CliResult, parseJson, ROOT, runCli, useCliRedis } from "../helpers/cli.js";
import { freshId } from "../helpers/targets.js";

const COMMANDS = [
  "stats",
  "list",
  "show",
  "messages",
  "tail",
  "ttl",
  "delete",
  "cleanup",
  "export",
  "import",
  "inspect",
  "demo",
];

describe("convmem help and usage", () => {
  it("--help lists every command and the global options", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Usage: convmem <command>/m);
      for (const name of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${name}\\s+\\S`, "m"), name);
      for (const option of ["--url", "--prefix", "--json", "--timeout", "--version"]) {
        assert.ok(result.stdout.includes(option), option);
      }
    }
  });

  it("without a command prints the usage on stderr and exits 2", async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^Usage: convmem <command>/m);
  });

  it("every command has --help (and help <command>) with its usage, options and an example", async () => {
    for (const name of COMMANDS) {
      const result = await runCli([name, "--help"]);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: convmem ${name}\\b`), name);
      assert.match(result.stdout, /--url <URL>/, name);
      assert.match(result.stdout, new RegExp(`^Example:\\n  convmem ${name}\\b`, "m"), name);
      assert.equal((await runCli(["help", name])).stdout, result.stdout, `help ${name}`);
    }
    assert.match((await runCli(["cleanup", "--help"])).stdout, /--max-age <DURATION>[\s\S]*--dry-run/);
    assert.match((await runCli(["import", "--help"])).stdout, /--id <ID>[\s\S]*--force/);
  });

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const args of [["--version"], ["stats", "--version"]]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it("usage errors exit 2 with a message on stderr and nothing on stdout", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["frobnicate"], /unknown command "frobnicate"/],
      [["help", "frobnicate"], /unknown command "frobnicate"/],
      [["show"], /missing argument: convmem show <id>/],
      [["show", "a", "b"], /unexpected argument "b"/],
      [["list", "--bogus"], /Unknown option '--bogus'/],
      [["list", "--limit", "ten"], /--limit must be a whole number/],
      [["list", "--limit", "0"], /--limit must be a whole number >= 1/],
      [["messages", "x", "--limit"], /argument missing/],
      [["tail", "x", "--interval", "fast"], /--interval must be a whole number/],
      [["cleanup"], /--max-age is required/],
      [["cleanup", "--max-age", "soon"], /--max-age must be a duration/],
      [["ttl", "x", "later"], /ttl must be a duration \(90s, 15m, 2h, 7d, or plain seconds\) or "none"/],
      [["lsit"], /unknown command "lsit"; did you mean 'list'\?/],
      [["help", "shwo"], /unknown command "shwo"; did you mean 'show'\?/],
      [["del", "x"], /unknown command "del"; did you mean 'delete'\?/],
      [["xyz"], /^convmem: unknown command "xyz"\n/],
      [["list", "--limt", "3"], /Unknown option '--limt'; did you mean '--limit'\?/],
      [["list", "--sort=sise"], /--sort must be activity or size, got "sise"; did you mean "size"\?/],
      [["show", "x", "--ful"], /Unknown option '--ful'; did you mean '--full'\?/],
      [["cleanup", "--max-age", "1d", "--dryrun"], /Unknown option '--dryrun'; did you mean '--dry-run'\?/],
      [["stats", "--jsno"], /Unknown option '--jsno'; did you mean '--json'\?/],
      [["list", "--zzz"], /^convmem: Unknown option '--zzz'\n/],
      [["list", "--scan", "some"], /--scan must be a whole number >= 1/],
      [
        ["delete", "x"],
        /refusing to delete conversation "x" without confirmation: stdin is not a terminal; pass --yes/,
      ],
      [
        ["cleanup", "--max-age", "1d"],
        /refusing to remove every conversation idle for over 1d without confirmation/,
      ],
      [["stats", "--timeout=0"], /--timeout must be a whole number >= 1/],
      [["stats", "--timeout", "-1"], /^convmem: Option '--timeout' argument is ambiguous$/m],
      [["import"], /missing argument: convmem import <file>/],
      [["show", ""], /conversation id must not be empty/],
    ];
    // Four at a time: each case is a process start, and none reaches Redis.
    const results: CliResult[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases
        .slice(i, i + 4)
        .map(([args]) => runCli(args, { env: { CONVMEM_REDIS_URL: "redis://127.0.0.1:1" } }));
      results.push(...(await Promise.all(batch)));
    }
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i] as CliResult;
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
      assert.equal(result.stdout, "", args.join(" "));
    }
    const json = await runCli(["show", "--json"]);
    assert.equal(json.code, 2);
    assert.deepEqual(parseJson(json.stderr), {
      error: { code: "ERR_USAGE", message: "missing argument: convmem show <id>" },
    });
  });
});

describe("convmem and the Redis URL", () => {
  const redis = useCliRedis();
  before(async () => {
    await redis.manager().getMemory(freshId()).set("k", "v");
  });

  const statsOk = (result: Awaited<ReturnType<typeof runCli>>) => {
    assert.equal(result.code, 0, result.stderr);
    assert.equal((parseJson(result.stdout) as { totalConversations: number }).totalConversations, 1);
  };

  it("uses --url, else CONVMEM_REDIS_URL, then REDIS_URL", async () => {
    const dead = "redis://127.0.0.1:1";
    statsOk(
      await runCli(["stats", "--json", "--url", redis.url], {
        env: { CONVMEM_REDIS_URL: dead, REDIS_URL: dead },
      }),
    );
    statsOk(await runCli(["stats", "--json"], { env: { CONVMEM_REDIS_URL: redis.url, REDIS_URL: dead } }));
    statsOk(await runCli(["--json", "stats"], { env: { REDIS_URL: redis.url } }));
    const other = await runCli(["stats", "--json", "--prefix", "other"], { env: { REDIS_URL: redis.url } });
    assert.equal((parseJson(other.stdout) as { totalConversations: number }).totalConversations, 0);
  });

  it("an unreachable Redis fails with exit 1 within a few seconds and never prints the password", async () => {
    const url = "redis://user:secret@127.0.0.1:1";
    const runs = [
      await runCli(["stats", "--url", url]),
      await runCli(["show", "x", "--json"], { env: { CONVMEM_REDIS_URL: url } }),
      await runCli(["list", "--timeout", "1000"], { env: { REDIS_URL: url } }),
    ];
    // A malformed URL is a usage error (exit 2, ValidationError), and still never echoes the password.
    const malformed = await runCli(["stats", "--url", "redis://user:secret@127.0.0.1:not-a-port"]);
    assert.equal(malformed.code, 2, malformed.stderr);
    runs.push({ ...malformed, code: 1 });
    for (const result of runs) {
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.ms < 8000, `took ${result.ms} ms`);
      assert.ok(!`${result.stdout}${result.stderr}`.includes("secret"), result.stderr);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /Redis|URL/);
    }
    assert.match(runs[0]?.stderr ?? "", /^convmem: Redis did not answer within 5000 ms/);
    assert.equal(
      (parseJson(runs[1]?.stderr ?? "") as { error: { code: string } }).error.code,
      "ERR_STORE_UNAVAILABLE",
    );
    assert.ok((runs[2]?.ms ?? 0) < 4000, "--timeout bounds the wait");
  });
});
