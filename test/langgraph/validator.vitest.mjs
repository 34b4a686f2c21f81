// LangGraph's conformance suite (@langchain/langgraph-checkpoint-validation, its `validate()`
// library form) on ConvmemSaver from the built package, against the Redis of
// CONVMEM_LANGGRAPH_REDIS: {"url": "redis://…"} or {"rootNodes": [{"url": …}, …]} (a Cluster).
// Each checkpointer gets its own key prefix on one shared client, so none sees another's threads.
import { validate } from "@langchain/langgraph-checkpoint-validation";
import { createMemoryManager } from "convmem";
import { ConvmemSaver } from "convmem/langgraph";
import { createClient, createCluster } from "redis";

const target = JSON.parse(process.env.CONVMEM_LANGGRAPH_REDIS ?? "{}");
let client;
let n = 0;
const managers = new WeakMap();

validate({
  checkpointerName: "ConvmemSaver",
  beforeAllTimeout: 30_000,
  async beforeAll() {
    client = target.rootNodes
      ? createCluster({ rootNodes: target.rootNodes })
      : createClient({ url: target.url });
    await client.connect();
  },
  async afterAll() {
    await client?.close();
  },
  createCheckpointer() {
    n += 1;
    const manager = createMemoryManager({ redis: client, keyPrefix: `lgv${process.pid}x${n}` });
    const saver = new ConvmemSaver({ manager });
    managers.set(saver, manager);
    return saver;
  },
  async destroyCheckpointer(saver) {
    await managers.get(saver)?.close();
  },
});
