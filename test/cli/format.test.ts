/** The CLI's pure helpers: duration parsing, tables, display escaping, progress bar, redaction. */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { parseDuration, parseTtl } from "../../src/cli/args.js";
import { compareRows, TopN } from "../../src/cli/commands/overview.js";
import { CliError, redact, UsageError } from "../../src/cli/errors.js";
import { formatDuration, printable, progressBar, table, truncate, width } from "../../src/cli/format.js";
import { askYesNo, confirmAction, refuseUnattended } from "../../src/cli/prompt.js";
import { closest, didYouMean, editDistance } from "../../src/cli/suggest.js";

describe("cli helpers", () => {
  it("parses durations and rejects anything else", () => {
    assert.equal(parseDuration("90s", "--max-age"), 90);
    assert.equal(parseDuration("30m", "--max-age"), 1800);
    assert.equal(parseDuration("24h", "--max-age"), 86_400);
    assert.equal(parseDuration("7d", "--max-age"), 604_800);
    assert.equal(parseDuration("1.5h", "--max-age"), 5400);
    assert.equal(parseDuration("3600", "--max-age"), 3600);
    for (const bad of ["", "h", "-1s", "5y", "1e3", "1 h", "10ms"]) {
      assert.throws(() => parseDuration(bad, "--max-age"), UsageError, bad);
    }
  });

  it("parses a TTL argument as cleanup's durations or a never word; the library judges its range", () => {
    assert.equal(parseTtl("none"), null);
    assert.equal(parseTtl("never"), null);
    assert.equal(parseTtl("NONE"), null);
    assert.equal(parseTtl("120"), 120);
    assert.equal(parseTtl("0"), 0);
    assert.equal(parseTtl("90s"), 90);
    assert.equal(parseTtl("15m"), 900);
    assert.equal(parseTtl("2h"), 7200);
    assert.equal(parseTtl("7d"), 604_800);
    assert.equal(parseTtl("1.5h"), 5400);
    for (const bad of ["", "soon", "-5", "10ms", "5y", "1e3", "nil"]) {
      assert.throws(() => parseTtl(bad), /ttl must be a duration/, bad);
    }
  });

  it("formats durations with the two largest units", () => {
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(59), "59s");
    assert.equal(formatDuration(3599), "59m 59s");
    assert.equal(formatDuration(3600), "1h");
    assert.equal(formatDuration(90_061), "1d 1h");
  });

  it("aligns table columns, right-aligning numbers", () => {
    const text = table(
      ["ID", "N", "NOTE"],
      [
        ["a", "5", "x"],
        ["long-id", "1234", "y"],
      ],
      ["left", "right", "left"],
    );
    assert.deepEqual(text.split("\n"), ["ID          N  NOTE", "a           5  x", "long-id  1234  y"]);
  });

  it("measures terminal width: CJK and emoji 2 columns, combining marks 0", () => {
    assert.equal(width("plain"), 5);
    assert.equal(width("日本語"), 6);
    assert.equal(width("한국어"), 6);
    assert.equal(width("ｆｕｌｌ"), 8); // fullwidth forms
    assert.equal(width("😀"), 2);
    assert.equal(width("👍🏽"), 2); // with a skin-tone modifier
    assert.equal(width("👨‍👩‍👧"), 2); // one ZWJ sequence
    assert.equal(width("🇫🇷"), 2); // a flag
    assert.equal(width("❤️"), 2); // text symbol asked as emoji (VS16)
    assert.equal(width("©"), 1);
    assert.equal(width("e\u0301"), 1); // e + combining acute
    assert.equal(width("\u0301"), 0);
    assert.equal(width("a\u200bb"), 2); // zero-width space
    assert.equal(width("café 日本"), 9);
  });

  it("pads table columns by display width, so CJK and emoji rows stay aligned", () => {
    const text = table(
      ["ID", "N", "NOTE"],
      [
        ["日本語", "1", "x"],
        ["😀ok", "22", "y"],
        ["e\u0301t\u00e9", "333", "z"],
        ["plain-id", "4", "w"],
      ],
      ["left", "right", "left"],
    );
    const lines = text.split("\n");
    assert.deepEqual(lines, [
      "ID          N  NOTE",
      "日本語      1  x",
      "😀ok       22  y",
      "e\u0301t\u00e9       333  z",
      "plain-id    4  w",
    ]);
    // Every row's NOTE column starts at the same terminal column.
    const noteAt = (line: string) => width(line.slice(0, line.lastIndexOf(" ") + 1));
    assert.deepEqual(new Set(lines.map(noteAt)).size, 1);
  });

  it("truncates to a terminal width by whole graphemes, ending in …", () => {
    assert.equal(truncate("short", 10), "short");
    assert.equal(truncate("exactly10!", 10), "exactly10!");
    assert.equal(truncate("a longer text", 6), "a lon…");
    assert.equal(truncate("日本語テキスト", 6), "日本…"); // a wide glyph never straddles the edge
    assert.equal(width(truncate("日本語テキスト", 6)), 5);
    assert.equal(truncate("😀😀😀😀", 5), "😀😀…");
    assert.equal(truncate("e\u0301e\u0301e\u0301", 2), "e\u0301…"); // marks stay with their letter
    for (const [text, columns] of [
      ["x".repeat(50), 7],
      ["日".repeat(50), 7],
      ["👨‍👩‍👧".repeat(9), 7],
    ] as const) {
      assert.ok(width(truncate(text, columns)) <= columns, text);
    }
  });

  it("suggests the closest known name within two edits, or the only one a prefix starts", () => {
    const commands = [
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
    ];
    assert.equal(editDistance("list", "list"), 0);
    assert.equal(editDistance("lsit", "list"), 1); // a swap is one edit
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(closest("lsit", commands), "list");
    assert.equal(closest("shwo", commands), "show");
    assert.equal(closest("mesages", commands), "messages");
    assert.equal(closest("cleanpu", commands), "cleanup");
    assert.equal(closest("LIST", commands), "list");
    assert.equal(closest("del", commands), "delete"); // prefix of one command only
    assert.equal(closest("xyz", commands), undefined);
    assert.equal(closest("t", commands), undefined); // too short to guess
    assert.equal(closest("zzzzzz", commands), undefined);
    assert.equal(
      didYouMean("limt", ["limit", "scan"], (o) => `--${o}`),
      "; did you mean --limit?",
    );
    assert.equal(didYouMean("bogus", ["limit", "scan"]), "");
  });

  it("asks yes/no on a stream: y or yes confirms; anything else, or end of input, does not", async () => {
    const answer = async (typed: string | undefined) => {
      const input = new PassThrough();
      const output = new PassThrough();
      let shown = "";
      output.on("data", (chunk: Buffer) => {
        shown += chunk.toString();
      });
      const asked = askYesNo(input, output, "Delete it?");
      if (typed === undefined) input.end();
      else input.write(typed);
      return { confirmed: await asked, shown };
    };
    assert.deepEqual(await answer("y\n"), { confirmed: true, shown: "Delete it? [y/N] " });
    assert.equal((await answer("YES\n")).confirmed, true);
    assert.equal((await answer(" yes \n")).confirmed, true);
    for (const typed of ["n\n", "\n", "no\n", "yep\n", "sure\n"]) {
      assert.equal((await answer(typed)).confirmed, false, typed);
    }
    assert.equal((await answer(undefined)).confirmed, false); // Ctrl-D
  });

  it("confirms a destructive action: --yes, the prompt, or a refusal when nobody can answer", async () => {
    const asked: string[] = [];
    const tty = (reply: boolean) => ({
      interactive: true,
      ask: async (q: string) => {
        asked.push(q);
        return reply;
      },
    });
    const pipe = { interactive: false, ask: async () => assert.fail("never asks without a terminal") };
    await confirmAction(pipe, true, "delete x", "delete"); // --yes
    await confirmAction(tty(true), true, "delete x", "delete"); // --yes: not even asked
    assert.deepEqual(asked, []);
    await confirmAction(tty(true), false, "delete x", "delete");
    assert.deepEqual(asked, ["Delete x?"]);
    await assert.rejects(confirmAction(tty(false), false, "delete x", "delete"), CliError);
    await assert.rejects(
      confirmAction(pipe, false, "delete x", "delete"),
      (err: unknown) =>
        err instanceof UsageError &&
        /stdin is not a terminal; pass --yes/.test(err.message) &&
        err.command === "delete",
    );
    assert.throws(() => refuseUnattended(pipe, false, "delete x", "delete"), UsageError);
    refuseUnattended(pipe, true, "delete x", "delete");
    refuseUnattended(tty(true), false, "delete x", "delete");
  });

  it("keeps the top N rows by activity or size in bounded memory, ties by id", () => {
    const info = (conversationId: string, lastActivity: number, totalSizeBytes: number) => ({
      conversationId,
      lastActivity,
      totalSizeBytes,
      totalFields: 1,
    });
    const rows = Array.from({ length: 1000 }, (_, i) =>
      info(`c${i}`, (i * 7919) % 1000, (i * 104_729) % 997),
    );
    const top = new TopN(5, compareRows("activity"));
    for (const row of rows) top.add(row);
    assert.deepEqual(
      top.result().map((r) => r.lastActivity),
      [999, 998, 997, 996, 995],
    );
    const bySize = new TopN(3, compareRows("size"));
    for (const row of rows) bySize.add(row);
    const sizes = [...rows].sort((a, b) => b.totalSizeBytes - a.totalSizeBytes).slice(0, 3);
    assert.deepEqual(
      bySize.result().map((r) => r.totalSizeBytes),
      sizes.map((r) => r.totalSizeBytes),
    );
    const ties = new TopN(2, compareRows("activity"));
    for (const id of ["b", "c", "a"]) ties.add(info(id, 5, 1));
    assert.deepEqual(
      ties.result().map((r) => r.conversationId),
      ["a", "b"],
    );
  });

  it("shows control characters as escapes so one value stays one line", () => {
    assert.equal(printable("a\nb\u001b[31m\tc"), "a\\nb\\u001b[31m\\tc");
    assert.equal(printable("plain 🌞 text"), "plain 🌞 text");
  });

  it("draws a fixed-width activity bar whose marker moves", () => {
    const frames = Array.from({ length: 40 }, (_, i) => progressBar({ scanned: 10, removed: 3 }, i));
    for (const frame of frames) {
      assert.match(frame, /^cleanup \[[ <=>]{20}\] scanned 10, removed 3$/);
    }
    assert.ok(new Set(frames).size > 10, "the marker moves");
  });

  it("redacts URL credentials and the configured password anywhere in a message", () => {
    const url = "redis://user:s3cr%40t@host:6379";
    assert.equal(redact(`cannot reach ${url}`, url), "cannot reach redis://***@host:6379");
    assert.equal(redact("bad password s3cr@t given", url), "bad password *** given");
    assert.equal(redact("nothing secret", undefined), "nothing secret");
  });
});
