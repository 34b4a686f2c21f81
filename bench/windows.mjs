// Section 2b (issue 15): history windows, edits and compaction on a 100,000-message conversation
// vs a 100-message one (same process, same interleaved rounds), µs per call, 1 in flight:
//   getMessages({ maxTokens: 4000 })                the default counter, one round trip
//   getMessages({ maxTokens: 4000, countTokens })   a custom counter: chunked reads
//   getMessages({ before, limit: 20 })              a page 10 messages from the newest end
//   updateMessage(one of the last 10, { content })
//   compactMessages({ keepLast }) of 100 messages, keeping 100 vs 100,000 (after each timed
//   call the 100 compacted messages are put back, untimed)
// Targets: each ratio <= 1.3 (cost independent of the history's length; compaction's grows with
// the messages compacted, not with those kept).
import { compareLatency, text } from "./harness.mjs";

const BIG = 100_000;
const SMALL = 100;
const COMPACTED = 100;

const message = (prefix, i) => ({
  id: `${prefix}${i}`,
  role: i % 2 ? "assistant" : "user",
  content: text(160, i),
  timestamp: 1_700_000_000_000 + i,
  metadata: {},
});

/** A history of `n` messages `<prefix><i>`, written in chunks with `extend` (ids indexed). */
async function fillHistory(memory, prefix, n, from = 0) {
  for (let i = from; i < from + n; i += 5000) {
    const chunk = Array.from({ length: Math.min(5000, from + n - i) }, (_, k) => message(prefix, i + k));
    await memory.extend("messages", chunk);
  }
}

export async function runWindows({ manager, log }) {
  const t0 = performance.now();
  const big = manager.getMemory("win-100000");
  const small = manager.getMemory("win-100");
  const cmpBig = manager.getMemory("cmp-100000");
  const cmpSmall = manager.getMemory("cmp-100");
  for (const m of [big, small, cmpBig, cmpSmall]) await m.clearAll();
  await fillHistory(big, "m", BIG);
  await fillHistory(small, "m", SMALL);
  for (const [m, kept] of [
    [cmpBig, BIG],
    [cmpSmall, SMALL],
  ]) {
    await fillHistory(m, "old", COMPACTED);
    await fillHistory(m, "keep", kept);
  }
  log(
    `  filled 2 x ${BIG.toLocaleString("en")} + 2 x ${SMALL} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const sizes = new Map([
    [big, BIG],
    [small, SMALL],
  ]);
  const countTokens = (m) => Math.ceil(m.content.length / 4) + 4;
  let flip = 0;
  const pair = (op, restore) => ({
    big: { op: () => op(big), restore: restore && (() => restore(big)) },
    small: { op: () => op(small), restore: restore && (() => restore(small)) },
  });
  const ops = {
    "getMessages({maxTokens:4000})": pair((m) => m.getMessages({ maxTokens: 4000 })),
    "getMessages({maxTokens:4000,countTokens})": pair((m) => m.getMessages({ maxTokens: 4000, countTokens })),
    "getMessages({before,limit:20})": pair((m) =>
      m.getMessages({ before: `m${sizes.get(m) - 10}`, limit: 20 }),
    ),
    "updateMessage(last 10)": pair((m) =>
      m.updateMessage(`m${sizes.get(m) - 1 - (flip++ % 10)}`, { content: text(160, flip) }),
    ),
  };
  const rows = [];
  const report = (name, r, extra = {}) => {
    const row = {
      op: name,
      small_us: r.small.usPerCall,
      big_us: r.big.usPerCall,
      ratio: +(r.big.usPerCall / r.small.usPerCall).toFixed(2),
      target: 1.3,
      rounds: { small: r.small.rounds, big: r.big.rounds },
      ...extra,
    };
    row.met = row.ratio <= row.target;
    rows.push(row);
    log(`  ${row.op.padEnd(42)} 100 msgs ${row.small_us} µs, 100,000 msgs ${row.big_us} µs -> ${row.ratio}x`);
  };
  for (const [name, impls] of Object.entries(ops)) report(name, await compareLatency(impls, { ms: 250 }));

  // Compaction: 100 compacted, 100 vs 100,000 kept; the compacted ones are put back after each call.
  const restore = async (m) => {
    await m.pop("messages", 0); // the summary
    for (let i = COMPACTED - 1; i >= 0; i--) await m.insert("messages", 0, message("old", i));
  };
  const compact = (m, kept) =>
    m.compactMessages({ keepLast: kept, summarize: () => ({ content: "summary" }) });
  const r = await compareLatency(
    {
      big: { op: () => compact(cmpBig, BIG), restore: () => restore(cmpBig) },
      small: { op: () => compact(cmpSmall, SMALL), restore: () => restore(cmpSmall) },
    },
    { ms: 100, minCalls: 5 },
  );
  report(`compactMessages(${COMPACTED} msgs, keeping 100 vs 100,000)`, r);
  for (const m of [big, small, cmpBig, cmpSmall]) await m.clearAll();
  return rows;
}
