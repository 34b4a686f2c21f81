/**
 * `convmem/langgraph`: a LangGraph.js checkpointer (`BaseCheckpointSaver`) on plain Redis and
 * Redis Cluster through convmem. Needs the optional peer dependencies
 * `@langchain/langgraph-checkpoint` (1.2.x) and `@langchain/core` (1.x); `import "convmem"`
 * never loads them. docs/langgraph.md has the setup, the data layout and the limits.
 *
 * @example
 * ```ts
 * import { createMemoryManager } from "convmem";
 * import { ConvmemSaver } from "convmem/langgraph";
 * const manager = createMemoryManager({ redis: "redis://localhost:6379" });
 * const checkpointer = new ConvmemSaver({ manager }); // thread_id = conversation id
 * const graph = workflow.compile({ checkpointer });
 * await graph.invoke(input, { configurable: { thread_id: "conv_123" } });
 * await checkpointer.deleteThread("conv_123");
 * ```
 * @packageDocumentation
 */
export { ALL_FIELDS as LANGGRAPH_FIELDS, FIELDS as LANGGRAPH_FIELD_NAMES } from "./layout.js";
export { ConvmemSaver, type ConvmemSaverOptions } from "./saver.js";
