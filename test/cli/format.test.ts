/** The CLI's pure helpers: duration parsing, tables, display escaping, progress bar, redaction. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration, parseTtl } from "../../src/cli/args.js";
import { redact, UsageError } from "../../src/cli/errors.js";
import { formatDuration, printable, progressBar, table } from "../../src/cli/format.js";

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

  it("parses a TTL argument; the library judges its range", () => {
    assert.equal(parseTtl("none"), null);
    assert.equal(parseTtl("120"), 120);
    assert.equal(parseTtl("0"), 0);
    assert.throws(() => parseTtl("never"), UsageError);
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
