/**
 * docs/API.md, "Handling errors": the snippet as written, compiled by `tsc` in `npm test`
 * (never run). `code` is a union of string literals, so a misspelt code does not compile.
 */
import { ConvmemError, createMemoryManager } from "../../src/index.js";

export async function handlingErrors(): Promise<void> {
  const manager = createMemoryManager({ redis: process.env.REDIS_URL });
  try {
    await manager.getMemory("conv_123").append("log", { action: "login" });
  } catch (err) {
    if (!(err instanceof ConvmemError)) throw err;
    switch (err.code) {
      case "ERR_STORE_UNAVAILABLE": // Redis unreachable or not ready: the call may be retried
        break;
      case "ERR_WRONG_TYPE": // "log" holds a value that is not a list: a bug, nothing changed
      case "ERR_VALIDATION": // a bad argument: a bug, nothing changed
      default:
        throw err;
    }
  }
}
