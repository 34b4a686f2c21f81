// The page's script, bundled by server.mjs with esbuild and served as /client.js: the AI SDK's
// own browser client — `AbstractChat` (what @ai-sdk/react's `Chat` extends) with a vanilla
// `ChatState` that re-renders on change, and a `DefaultChatTransport` to /api/chat — on one
// chat whose stored history comes from GET /api/chats/<id>.
import { AbstractChat, DefaultChatTransport } from "ai";

/** `ChatState` as @ai-sdk/react implements it, with one change callback instead of three. */
class VanillaChatState {
  #messages;
  #status = "ready";
  #error;
  #changed;

  constructor(messages, changed) {
    this.#messages = messages;
    this.#changed = changed;
  }
  get messages() {
    return this.#messages;
  }
  set messages(messages) {
    this.#messages = [...messages];
    this.#changed();
  }
  get status() {
    return this.#status;
  }
  set status(status) {
    this.#status = status;
    this.#changed();
  }
  get error() {
    return this.#error;
  }
  set error(error) {
    this.#error = error;
    this.#changed();
  }
  pushMessage = (message) => {
    this.messages = this.#messages.concat(message);
  };
  popMessage = () => {
    this.messages = this.#messages.slice(0, -1);
  };
  replaceMessage = (index, message) => {
    // The chat keeps writing into the message it streams: store a copy, as React's state does.
    const next = [...this.#messages];
    next[index] = this.snapshot(message);
    this.messages = next;
  };
  snapshot = (value) => structuredClone(value);
}

/** A framework-free `Chat`: `subscribe(listener)` is called after every change of the state. */
export class Chat extends AbstractChat {
  #listeners;

  constructor({ messages = [], ...init }) {
    const listeners = new Set();
    const changed = () => {
      for (const listener of listeners) listener();
    };
    super({ ...init, state: new VanillaChatState(messages, changed) });
    this.#listeners = listeners;
  }
  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

const $ = (id) => document.getElementById(id);
const chatId = new URLSearchParams(location.search).get("chat") ?? "demo";
$("chat").textContent = chatId;

const stored = await (await fetch(`/api/chats/${encodeURIComponent(chatId)}`)).json();
const chat = new Chat({
  id: chatId,
  messages: stored,
  transport: new DefaultChatTransport({
    api: "/api/chat",
    // The server keeps the history: send only the new message (the AI SDK persistence guide's way).
    prepareSendMessagesRequest: ({ id, messages }) => ({ body: { id, message: messages.at(-1) } }),
  }),
  onError: (err) => console.warn("chat:", err.message), // shown on the page by render()
});
window.chat = chat; // for the browser test (and the console)

const textOf = (m) =>
  m.parts
    .filter((p) => p.type === "text")
    .map((p) => p.text)
    .join("");

function render() {
  const log = $("log");
  log.replaceChildren(
    ...chat.messages.map((m) => {
      const div = document.createElement("div");
      div.className = `msg ${m.role}`;
      div.dataset.id = m.id;
      div.textContent = textOf(m);
      return div;
    }),
  );
  log.scrollTop = log.scrollHeight; // follow the conversation
  const busy = chat.status === "submitted" || chat.status === "streaming";
  $("send").disabled = busy;
  $("stop").disabled = !busy;
  $("state").textContent = chat.status === "error" ? `error: ${chat.error?.message}` : chat.status;
  document.body.dataset.status = chat.status;
}

let queued = false;
chat.subscribe(() => {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    render();
  });
});

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  $("input").value = "";
  if (text) chat.sendMessage({ text });
});
$("stop").addEventListener("click", () => chat.stop());
render();
document.body.dataset.ready = "true";
