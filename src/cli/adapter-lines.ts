/**
 * One text line per item of the framework adapters' histories, for `convmem messages`: an
 * OpenAI Agents session item (its type or role, and its text), an AI SDK UI message (its role
 * and its text parts joined). Shapes are recognised per element, so a `--field` of either kind
 * prints right; anything else prints as compact JSON.
 */
import { createHash } from "node:crypto";
import type { ConversationMemory } from "../index.js";
import { isoTime, printable } from "./format.js";

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/** The text of a content value: a string, or the `text`/`refusal`/`transcript` of its parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (isObject(part)) {
      for (const key of ["text", "refusal", "transcript"]) {
        if (typeof part[key] === "string") {
          parts.push(part[key] as string);
          break;
        }
      }
      if (part.type === "input_image" || part.type === "image") parts.push("[image]");
      if (part.type === "input_file" || part.type === "file") parts.push("[file]");
    }
  }
  return parts.join(" ");
}

/** Whether `item` looks like an AI SDK UIMessage (`id`, `role`, `parts`). */
export function isUiMessage(item: unknown): item is Loose {
  return isObject(item) && typeof item.role === "string" && Array.isArray(item.parts);
}

const pad = (s: string) => (s.length >= 22 ? s : s + " ".repeat(22 - s.length));

/** `kind  text` for one adapter item. */
export function itemLine(item: unknown): string {
  if (isUiMessage(item)) {
    const text = (item.parts as unknown[])
      .filter((p): p is Loose => isObject(p) && p.type === "text" && typeof p.text === "string")
      .map((p) => p.text as string)
      .join(" ");
    const others = (item.parts as unknown[]).length - text.split(" ").length;
    return `${pad(printable(String(item.role)))}  ${printable(text || (others > 0 ? "[non-text parts]" : ""))}`;
  }
  if (!isObject(item)) return printable(JSON.stringify(item));
  const type = typeof item.type === "string" ? item.type : undefined;
  if ((type === undefined || type === "message") && typeof item.role === "string") {
    return `${pad(printable(item.role))}  ${printable(textOf(item.content))}`;
  }
  if (type === "function_call" || type === "hosted_tool_call") {
    const name = typeof item.name === "string" ? item.name : "?";
    const args = typeof item.arguments === "string" ? item.arguments : "";
    return `${pad(type)}  ${printable(`${name}(${args})`)}`;
  }
  if (type === "function_call_result") {
    const output = isObject(item.output) ? textOf([item.output]) : textOf(item.output);
    const name = typeof item.name === "string" ? `${item.name}: ` : "";
    return `${pad(type)}  ${printable(`${name}${output}`)}`;
  }
  if (type === "reasoning") return `${pad(type)}  ${printable(textOf(item.content))}`;
  return `${pad(type ?? "item")}  ${printable(JSON.stringify(item))}`;
}

/** The LangGraph saver's fields (docs/langgraph.md): its put log and its checkpoint records. */
export const LANGGRAPH_LOG = "langgraph:log";
export const LANGGRAPH_CHECKPOINTS = "langgraph:checkpoints";

/** The saver's map key of a tuple of strings (its JSON text; `sha256:<hex>` beyond 512 bytes). */
function checkpointKey(parts: readonly string[]): string {
  const text = JSON.stringify(parts);
  if (Buffer.byteLength(text, "utf8") <= 512) return text;
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** A serde value as the saver stores it: JSON text in `s` is parsed; anything else is opaque. */
function serdeJson(stored: unknown): Loose | undefined {
  if (!isObject(stored) || typeof stored.s !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(stored.s);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest `limit` (all when undefined) checkpoints of a LangGraph thread, one line each:
 * `time  id  step N  source  [namespace]`, oldest first; [] when the saver stored nothing.
 */
export async function checkpointLines(
  memory: ConversationMemory,
  limit: number | undefined,
): Promise<string[]> {
  if (limit === 0) return [];
  const log = (await memory.getList(
    LANGGRAPH_LOG,
    limit === undefined ? {} : { start: -limit },
  )) as unknown[];
  const refs = log.filter(
    (e): e is [string, string] => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "string",
  );
  if (refs.length === 0) return [];
  const records = await memory.mapGetMany(
    LANGGRAPH_CHECKPOINTS,
    refs.map((r) => checkpointKey(r)),
  );
  return refs.map(([ns, id], i) => {
    const record = records[i];
    const checkpoint = isObject(record) ? serdeJson(record.checkpoint) : undefined;
    const metadata = isObject(record) ? serdeJson(record.metadata) : undefined;
    const ts = typeof checkpoint?.ts === "string" ? Date.parse(checkpoint.ts) : Number.NaN;
    const time = Number.isNaN(ts) ? "-".padEnd(24) : isoTime(ts);
    const step = typeof metadata?.step === "number" ? `step ${metadata.step}` : "step ?";
    const source = typeof metadata?.source === "string" ? metadata.source : "?";
    return `${time}  ${printable(id)}  ${step}  ${source}${ns === "" ? "" : `  [${printable(ns)}]`}`;
  });
}
