// Section 4: Redis memory per stored message. 1,000 messages of ~200-byte content in one
// conversation (own key prefix); MEMORY USAGE (SAMPLES 0: exact) summed over the messages
// list, the meta hash, the message-id set, and this conversation's share of its registry
// bucket (bucket usage / ZCARD), divided by the bytes of each message's whole JSON
// ({id, role, content, timestamp, metadata}). For scale, the same JSON texts RPUSHed into a
// plain list (Redis's own floor for a list) are measured too. The id index is measured
// complete (see below).
import { createMemoryManager } from "../dist/index.js";
import { fill, text } from "./harness.mjs";

const MESSAGES = 1000;
const PREFIX = "benchmem";

async function usage(admin, key) {
  return Number((await admin.sendCommand(["MEMORY", "USAGE", key, "SAMPLES", "0"])) ?? 0);
}

export async function runMemory({ admin, url, log }) {
  const manager = createMemoryManager({ redis: url, keyPrefix: PREFIX });
  const id = "mem-1000";
  const memory = manager.getMemory(id);
  for (let i = 0; i < MESSAGES; i++) await memory.addMessage(i % 2 ? "assistant" : "user", text(200, i));
  const messages = await memory.getMessages();
  const jsonBytes = messages.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0);
  const keys = {
    messages: `${PREFIX}:conv:{${id}}:messages`,
    meta: `${PREFIX}:meta:{${id}}`,
    mids: `${PREFIX}:mids:{${id}}`,
  };
  const parts = {};
  for (const [name, key] of Object.entries(keys)) parts[name] = await usage(admin, key);
  let bucket;
  for await (const batch of admin.scanIterator({ MATCH: `${PREFIX}:reg:*`, COUNT: 1000 })) {
    for (const key of [batch].flat()) if ((await admin.zScore(key, id)) !== null) bucket = key;
  }
  parts.registryShare = bucket ? Math.round((await usage(admin, bucket)) / (await admin.zCard(bucket))) : 0;
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const plainKey = `${PREFIX}:plain-list`;
  await fill(1, 1, () =>
    admin.rPush(
      plainKey,
      messages.map((m) => JSON.stringify(m)),
    ),
  );
  const plain = await usage(admin, plainKey);
  await admin.del(plainKey);
  await manager.close();
  const row = {
    messages: MESSAGES,
    content_bytes: 200,
    json_bytes_per_message: +(jsonBytes / MESSAGES).toFixed(1),
    redis_bytes_per_message: +(total / MESSAGES).toFixed(1),
    breakdown_bytes: parts,
    ratio: +(total / jsonBytes).toFixed(3),
    plain_list_ratio: +(plain / jsonBytes).toFixed(3),
    target: 1.3,
  };
  row.met = row.ratio <= row.target;
  log(
    `  ${row.redis_bytes_per_message} B in Redis per message vs ${row.json_bytes_per_message} B of JSON -> ${row.ratio}x (plain list of the same JSON: ${row.plain_list_ratio}x) ${JSON.stringify(parts)}`,
  );
  return row;
}
