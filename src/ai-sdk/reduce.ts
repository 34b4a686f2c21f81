/**
 * The in-flight assistant message, rebuilt from the UI message stream's chunks (the SSE
 * protocol of `toUIMessageStreamResponse`): text, reasoning, tool calls, sources, files, data
 * parts and metadata. It only has to be a faithful partial reply: the SDK's own final message
 * (`onFinish`/`onEnd`) replaces it in place when the stream completes.
 */

type Part = Record<string, unknown> & { type: string };
type Chunk = Record<string, unknown> & { type: string };

/** The partial message of one response. */
export class PartialMessage {
  id: string | undefined;
  metadata: unknown;
  readonly parts: Part[];
  readonly #open = new Map<string, Part>();
  readonly #tools = new Map<string, Part>();

  /** `continued`: the assistant message the response continues (its id and parts), if any. */
  constructor(continued?: { id: string; parts?: unknown; metadata?: unknown }) {
    this.id = continued?.id;
    this.metadata = continued?.metadata;
    this.parts = Array.isArray(continued?.parts) ? (structuredClone(continued.parts) as Part[]) : [];
  }

  /** The message as a UIMessage-shaped plain object (undefined until the id is known). */
  message(): { id: string; role: "assistant"; parts: Part[]; metadata?: unknown } | undefined {
    if (this.id === undefined || this.id === "") return undefined;
    const out: { id: string; role: "assistant"; parts: Part[]; metadata?: unknown } = {
      id: this.id,
      role: "assistant",
      parts: this.parts.map((p) => ({ ...p })),
    };
    if (this.metadata !== undefined) out.metadata = this.metadata;
    return out;
  }

  #mergeMetadata(value: unknown): void {
    if (value === undefined) return;
    const isObj = (v: unknown): v is Record<string, unknown> =>
      v !== null && typeof v === "object" && !Array.isArray(v);
    this.metadata = isObj(this.metadata) && isObj(value) ? { ...this.metadata, ...value } : value;
  }

  #tool(chunk: Chunk): Part {
    const callId = String(chunk.toolCallId);
    let part = this.#tools.get(callId);
    if (part === undefined) {
      part =
        chunk.dynamic === true
          ? { type: "dynamic-tool", toolName: chunk.toolName, toolCallId: callId, state: "input-streaming" }
          : { type: `tool-${String(chunk.toolName)}`, toolCallId: callId, state: "input-streaming" };
      this.#tools.set(callId, part);
      this.parts.push(part);
    }
    return part;
  }

  /** Applies one chunk. */
  apply(chunk: Chunk): void {
    switch (chunk.type) {
      case "start":
        if (typeof chunk.messageId === "string" && chunk.messageId !== "") this.id = chunk.messageId;
        this.#mergeMetadata(chunk.messageMetadata);
        return;
      case "finish":
      case "message-metadata":
        this.#mergeMetadata(chunk.messageMetadata);
        return;
      case "start-step":
        this.parts.push({ type: "step-start" });
        return;
      case "text-start":
      case "reasoning-start": {
        const type = chunk.type === "text-start" ? "text" : "reasoning";
        const part: Part = { type, text: "", state: "streaming" };
        this.#open.set(`${type}:${String(chunk.id)}`, part);
        this.parts.push(part);
        return;
      }
      case "text-delta":
      case "reasoning-delta": {
        const type = chunk.type === "text-delta" ? "text" : "reasoning";
        const part = this.#open.get(`${type}:${String(chunk.id)}`);
        if (part !== undefined) part.text = `${String(part.text)}${String(chunk.delta ?? "")}`;
        return;
      }
      case "text-end":
      case "reasoning-end": {
        const type = chunk.type === "text-end" ? "text" : "reasoning";
        const part = this.#open.get(`${type}:${String(chunk.id)}`);
        if (part !== undefined) part.state = "done";
        return;
      }
      case "tool-input-start":
        this.#tool(chunk);
        return;
      case "tool-input-available":
        Object.assign(this.#tool(chunk), { state: "input-available", input: chunk.input });
        return;
      case "tool-input-error":
        Object.assign(this.#tool(chunk), {
          state: "output-error",
          input: chunk.input,
          errorText: chunk.errorText,
        });
        return;
      case "tool-output-available":
        Object.assign(this.#tool(chunk), { state: "output-available", output: chunk.output });
        return;
      case "tool-output-error":
        Object.assign(this.#tool(chunk), { state: "output-error", errorText: chunk.errorText });
        return;
      case "source-url":
        this.parts.push({ type: "source-url", sourceId: chunk.sourceId, url: chunk.url, title: chunk.title });
        return;
      case "source-document":
        this.parts.push({
          type: "source-document",
          sourceId: chunk.sourceId,
          mediaType: chunk.mediaType,
          title: chunk.title,
          filename: chunk.filename,
        });
        return;
      case "file":
        this.parts.push({ type: "file", url: chunk.url, mediaType: chunk.mediaType });
        return;
      default:
        if (chunk.type.startsWith("data-") && chunk.transient !== true) {
          const same =
            chunk.id === undefined
              ? undefined
              : this.parts.find((p) => p.type === chunk.type && p.id === chunk.id);
          if (same !== undefined) same.data = chunk.data;
          else this.parts.push({ type: chunk.type, id: chunk.id, data: chunk.data });
        }
    }
  }
}
