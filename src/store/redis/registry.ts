/**
 * Walks the conversation registry on Redis: one bucket per Cluster slot (see `keys.ts`).
 * Bucket contents are read with bounded native commands (`ZRANGE … LIMIT`), and only
 * non-empty buckets run a script, over at most {@link SCRIPT_BATCH} conversations per call,
 * so no single command is unbounded and Redis is never blocked. Neither KEYS nor SCAN.
 */
import { registryKey, SLOTS } from "../../keys.js";
import type { ConversationInfo, RegistryPage, SweepStep } from "../store.js";
import type { ScriptRunner } from "./script-runner.js";

/** Buckets read concurrently per step. */
const BUCKETS_PER_STEP = 512;
/** Members fetched per `ZRANGE`. */
const RANGE_PAGE = 1000;
/** Conversations per registry script call. */
const SCRIPT_BATCH = 100;

/** What the registry walk needs from the store: plain commands and the bucket scripts. */
export type RegistryBackend = Pick<ScriptRunner, "send" | "runBucket">;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function members(backend: RegistryBackend, bucket: string): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += RANGE_PAGE) {
    const query = ["ZRANGE", bucket, String(offset), String(offset + RANGE_PAGE - 1)];
    const page = (await backend.send(query, bucket)) as unknown[];
    for (const m of page) out.push(String(m));
    if (page.length < RANGE_PAGE) return out;
  }
}

function bucketsFrom(prefix: string, cursor: number): { keys: string[]; next: number | undefined } {
  const end = Math.min(cursor + BUCKETS_PER_STEP, SLOTS);
  const keys: string[] = [];
  for (let slot = cursor; slot < end; slot++) keys.push(registryKey(prefix, slot));
  return { keys, next: end < SLOTS ? end : undefined };
}

/** Live conversations of the buckets from `cursor`, until about `limit` are collected. */
export async function listConversations(
  backend: RegistryBackend,
  prefix: string,
  cursor: number,
  limit: number,
): Promise<RegistryPage> {
  const conversations: ConversationInfo[] = [];
  let next: number | undefined = cursor;
  while (next !== undefined && conversations.length < limit) {
    const step = bucketsFrom(prefix, next);
    next = step.next;
    const infos = await Promise.all(
      step.keys.map(async (bucket) => {
        const ids = await members(backend, bucket);
        const replies = await Promise.all(
          chunks(ids, SCRIPT_BATCH).map((batch) => backend.runBucket("reginfo", bucket, [prefix, ...batch])),
        );
        return replies.flat();
      }),
    );
    for (const found of infos) conversations.push(...found);
  }
  return { conversations, cursor: next };
}

/** One cleanup step over the buckets from `cursor`: candidates are entries scored before `cutoff`. */
export async function sweepExpired(
  backend: RegistryBackend,
  prefix: string,
  cutoff: number,
  cursor: number,
  dryRun: boolean,
): Promise<SweepStep> {
  const step = bucketsFrom(prefix, cursor);
  let scanned = 0;
  let removed = 0;
  await Promise.all(
    step.keys.map(async (bucket) => {
      // A real sweep takes every candidate out of the range (deleted or re-scored), so it reads
      // from offset 0 again; a dry run changes nothing, so it pages on.
      for (let offset = 0; ; offset = dryRun ? offset + SCRIPT_BATCH : 0) {
        const limit = ["LIMIT", String(offset), String(SCRIPT_BATCH)];
        const query = ["ZRANGE", bucket, "-inf", `(${cutoff}`, "BYSCORE", ...limit];
        const ids = ((await backend.send(query, bucket)) as unknown[]).map(String);
        if (ids.length === 0) return;
        const args = [prefix, String(cutoff), dryRun ? "1" : "0", ...ids];
        const reply = await backend.runBucket("regsweep", bucket, args);
        scanned += reply.scanned;
        removed += reply.removed;
        if (ids.length < SCRIPT_BATCH) return;
      }
    }),
  );
  return { scanned, removed, cursor: step.next };
}
