// The demo's agent, in the spirit of the seed's SMSAssistantAgent: it stores the user message,
// reads preferences with a default, reads the last 5 messages, replies with a small
// deterministic rule-based responder (no network, no LLM), stores the reply, and updates the
// conversation stats atomically. Every effect of an inbound message happens exactly once,
// even when a queue redelivers it: messages carry idempotent ids, and the stats update is a
// `modify` that skips message ids it has already counted (the seed's get-then-set counter
// lost updates and double-counted redeliveries).
import { BaseAgent } from "../dist/index.js";

const DEFAULT_PREFS = { language: "auto", response_length: "medium" };
const EMPTY_STATS = { message_count: 0, replies_short: 0, recent_ids: [] };
const RECENT_IDS = 50;

/** A small deterministic responder: the same text, history and preferences give the same reply. */
export function respond(text, history, prefs) {
  const t = text.toLowerCase();
  const short = prefs.response_length === "short";
  if (t.startsWith("set short")) return "OK, I will keep my answers short.";
  if (t.includes("weather")) return short ? "Sunny." : "Sunny, 21°C with a light breeze.";
  if (t.includes("history")) return `I can see ${history.length} recent messages.`;
  if (t.includes("hello") || t.includes("hi")) return short ? "Hi!" : "Hello! How can I help you today?";
  return short ? "Noted." : `Noted: "${text}".`;
}

export class SMSAssistantAgent extends BaseAgent {
  /** Optional timing hook: (operation, milliseconds). */
  onTiming = undefined;

  async timed(op, fn) {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.onTiming?.(op, performance.now() - start);
    }
  }

  async process(env) {
    const memory = this.getMemory(env.conversationId);
    const text = String(env.payload.text ?? "");
    const id = env.messageId;

    await this.timed("addMessage", () =>
      memory.addMessage("user", text, { channel: "sms" }, { id: `${id}:in` }),
    );
    let prefs = await this.timed("get", () => memory.get("user_preferences", DEFAULT_PREFS));
    if (text.toLowerCase().startsWith("set short")) {
      prefs = await this.timed("modify", () =>
        memory.modify("user_preferences", (p) => ({ ...p, response_length: "short" }), {
          fallback: DEFAULT_PREFS,
        }),
      );
    }
    const history = await this.timed("getMessages", () => memory.getMessages({ limit: 5 }));
    const reply = respond(text, history, prefs);
    const stored = await this.timed("addMessage", () =>
      memory.addMessage("assistant", reply, {}, { id: `${id}:out` }),
    );
    await this.timed("modify", () =>
      memory.modify(
        "conversation_stats",
        (s) => {
          if (s.recent_ids.includes(id)) return s; // a redelivery: already counted
          return {
            message_count: s.message_count + 1,
            replies_short: s.replies_short + (prefs.response_length === "short" ? 1 : 0),
            recent_ids: [...s.recent_ids, id].slice(-RECENT_IDS),
          };
        },
        { fallback: EMPTY_STATS },
      ),
    );
    return { ...env, payload: { text: stored.content } };
  }
}
