// convmem demo (single process for now; the multi-process version comes with the demo issue).
// An SMS assistant in the spirit of the seed's SMSAssistantAgent: it stores each inbound
// message (idempotently, by the SMS id), reads preferences and recent history, replies with
// a small rule-based responder, stores the reply and verifies that redelivered messages change nothing.
// Uses REDIS_URL, else starts redis-server from PATH on a free port, else runs in memory.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryManager, InMemoryStore } from "../dist/index.js";

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function startRedis() {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "convmem-demo-"));
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    {
      stdio: "ignore",
    },
  );
  const stop = () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function respond(text, history, prefs) {
  const t = text.toLowerCase();
  if (t.includes("weather")) return prefs.response_length === "short" ? "Sunny." : "Sunny, 21°C, light wind.";
  if (t.includes("history")) return `We have exchanged ${history.length} recent messages.`;
  return `You said: ${text}`;
}

async function handle(manager, env) {
  const memory = manager.getMemory(env.conversationId);
  await memory.addMessage("user", env.text, {}, { id: `${env.messageId}:in` });
  const prefs = await memory.get("user_preferences", { language: "auto", response_length: "medium" });
  const history = await memory.getMessages({ limit: 5 });
  const reply = respond(env.text, history, prefs);
  await memory.addMessage("assistant", reply, {}, { id: `${env.messageId}:out` });
  return reply;
}

const external = process.env.REDIS_URL;
const redis = external ? { url: external, stop() {} } : await startRedis();
if (!redis) {
  console.log("redis-server not found on PATH: running on the in-memory store (single process).");
  console.log(
    "For the distributed version install Redis (apt-get install -y redis-server) or set REDIS_URL.",
  );
}
const manager = createMemoryManager(redis ? { redis: redis.url } : { store: new InMemoryStore() });
let ok = true;
try {
  const texts = ["hi", "weather?", "history please", "thanks"];
  for (let c = 0; c < 20; c++) {
    for (let i = 0; i < texts.length; i++) {
      const env = { conversationId: `sms:+1555000${c}`, messageId: `m${i}`, text: texts[i] };
      await handle(manager, env);
      if (i === 1) await handle(manager, env); // a redelivery must change nothing
    }
  }
  for (let c = 0; c < 20; c++) {
    const memory = manager.getMemory(`sms:+1555000${c}`);
    const count = await memory.getMessageCount();
    if (count !== texts.length * 2) ok = false;
  }
  const sample = manager.getMemory("sms:+15550000");
  console.log((await sample.getMessages({ limit: 4 })).map((m) => `${m.role}: ${m.content}`).join("\n"));
  console.log(ok ? "verified: every history complete and duplicate-free" : "VERIFICATION FAILED");
} finally {
  await manager.close();
  redis?.stop();
}
process.exit(ok ? 0 : 1);
