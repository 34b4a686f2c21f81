/**
 * Type tests: compiled by `tsc` in `npm test` (typecheck and build:test), never run. Each
 * `@ts-expect-error` marks a call that must NOT compile; if one ever compiles, tsc reports the
 * directive as unused and the build fails. The other lines must compile.
 */
import type {
  AddMessageOptions,
  AppendOptions,
  ChatRole,
  CleanupOptions,
  ConversationMemory,
  GetMessagesOptions,
  MemoryManager,
  MemorySize,
  Message,
  SetOptions,
} from "../../src/index.js";

interface Prefs {
  lang: string;
}

/** A schema written as an interface (was TS2344 before). */
interface Session {
  prefs: Prefs;
  turns: number;
  log: string[];
  tags?: string[];
}

export async function schemaAsInterface(manager: MemoryManager): Promise<void> {
  const memory = manager.getMemory<Session>("c");

  const prefs: Prefs | undefined = await memory.get("prefs");
  const withFallback: Prefs = await memory.get("prefs", { lang: "en" });
  const required: Prefs = await memory.require("prefs");
  void [prefs, withFallback, required];
  // @ts-expect-error get returns the field's type (possibly undefined), not any
  const wrong: number = await memory.get("prefs");
  void wrong;
  // @ts-expect-error unknown field
  await memory.get("nope");
  // @ts-expect-error the value must match the field's type
  await memory.set("turns", "three");

  await memory.incr("turns");
  // @ts-expect-error incr takes only number fields
  await memory.incr("prefs");
  // @ts-expect-error incr takes only number fields
  await memory.incr("log");

  await memory.append("log", "hi");
  await memory.append("tags", "t");
  await memory.extend("log", ["a", "b"], { maxLength: 10 });
  const popped: string = await memory.pop("log");
  const list: string[] = await memory.getList("log", { start: -5 });
  void [popped, list];
  // @ts-expect-error list methods take only list fields
  await memory.append("turns", 1);
  // @ts-expect-error list methods take only list fields
  await memory.listLength("prefs");
  // @ts-expect-error the element must match the list's element type
  await memory.append("log", 42);

  // modify with a fallback: the current value is never undefined.
  await memory.modify("turns", (n) => n + 1, { fallback: 0 });
  // Without one it may be.
  await memory.modify("turns", (n) => (n ?? 0) + 1);
  // @ts-expect-error without a fallback the current value may be undefined
  await memory.modify("turns", (n) => n + 1);
}

/** A schema written as a type alias still works, and no schema means anything goes. */
export async function schemaAsTypeAndNone(manager: MemoryManager): Promise<void> {
  type Alias = { count: number; items: number[] };
  const typed = manager.getMemory<Alias>("c");
  await typed.incr("count");
  await typed.append("items", 1);
  // @ts-expect-error not a list
  await typed.append("count", 1);

  const open = manager.getMemory("c");
  await open.incr("anything");
  await open.append("anything", { a: 1 });
  const value: unknown = await open.get("x");
  void value;
  // The memory type as users write it.
  const same: ReturnType<MemoryManager["getMemory"]> = open;
  await same.append("x", 1);
  const declared: ConversationMemory = open;
  void declared;
}

/** Message roles: the SDK roles by default, a generic for others. */
export async function roles(manager: MemoryManager): Promise<void> {
  const memory = manager.getMemory("c");
  const added: Message = await memory.addMessage("assistant", "hi");
  const role: ChatRole = added.role;
  void role;
  // @ts-expect-error not a chat role by default
  await memory.addMessage("bot", "hi");
  const custom = manager.getMemory<Record<string, unknown>, "user" | "bot">("c");
  const bot: Message<"user" | "bot"> = await custom.addMessage("bot", "hi");
  void bot;
  const history: Array<Message<"user" | "bot">> = await custom.getMessages({ limit: 5 });
  void history;
  // An LLM SDK's message shape accepts the history.
  type SdkMessage = { role: "user" | "assistant" | "system" | "tool"; content: string };
  const forSdk: SdkMessage[] = (await memory.getMessages()).map(({ role, content }) => ({ role, content }));
  void forSdk;
}

/** Options and results are named, exported types. */
export function namedTypes(): void {
  const set: SetOptions = { ttl: 60 };
  const append: AppendOptions = { maxLength: 10 };
  const add: AddMessageOptions = { id: "sms-1", maxMessages: 100 };
  const get: GetMessagesOptions = { limit: 10 };
  const cleanup: CleanupOptions = { maxAgeSeconds: 60, dryRun: true };
  const size: MemorySize = { conversationId: "c", totalFields: 0, totalSizeBytes: 0, fields: {} };
  // @ts-expect-error unknown option names are type errors too
  const typo: SetOptions = { tll: 60 };
  void [set, append, add, get, cleanup, size, typo];
}
