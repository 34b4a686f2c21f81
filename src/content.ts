/**
 * Content recording for operation events (`manager.on("operation", l, { content: true })`): a
 * view of a {@link MemoryStore} that notes, into the calling operation's scope
 * (call-scope.ts), the field names and encoded values each store call wrote or read. The
 * manager puts it in place of its store only while a listener asked for content, so without
 * one nothing here runs. It sits on the `MemoryStore` interface, so it works the same on
 * every backend; a store method it does not know is passed through unrecorded.
 */
import { callScope, type MemoryRecord } from "./call-scope.js";
import { MESSAGES_FIELD } from "./keys.js";
import type {
  CasResult,
  CompactResult,
  MemoryStore,
  PreparedMessage,
  StoredValue,
  UpdateMessageResult,
} from "./store/store.js";

type Recorder = (records: MemoryRecord[], args: readonly unknown[], result: unknown) => void;

/** A stored value as text: a scalar's JSON, a list as a JSON array of its elements. */
function text(value: StoredValue): string {
  return value.kind === "scalar" ? value.raw : list(value.items);
}

function list(items: readonly string[]): string {
  return `[${items.join(",")}]`;
}

function record(field: unknown, value?: StoredValue): MemoryRecord {
  return value === undefined ? { field: String(field) } : { field: String(field), value: text(value) };
}

function message(m: PreparedMessage): string {
  return `{"id":${JSON.stringify(m.id)},"role":${JSON.stringify(m.role)},"content":${JSON.stringify(m.content)},"metadata":${m.metadataJson}}`;
}

/** What each store method wrote or read, once it has succeeded. Arguments: `(ref, …)`. */
const RECORDERS: { readonly [M in keyof MemoryStore]?: Recorder } = {
  get: (r, [, field], result) => r.push(record(field, result as StoredValue | undefined)),
  has: (r, [, field]) => r.push(record(field)),
  set: (r, [, field, value]) => r.push(record(field, value as StoredValue)),
  update: (r, [, entries]) => {
    for (const [field, value] of entries as Array<[string, StoredValue]>) r.push(record(field, value));
  },
  delete: (r, [, field]) => r.push(record(field)),
  keys: (r, _, result) => {
    for (const field of result as string[]) r.push(record(field));
  },
  items: (r, _, result) => {
    for (const [field, value] of result as Array<[string, StoredValue]>) r.push(record(field, value));
  },
  incr: (r, [, field], result) => r.push({ field: String(field), value: String(result) }),
  compareAndSet: (r, [, field, , next], result) => {
    if ((result as CasResult).ok) r.push(record(field, next as StoredValue));
  },
  push: (r, [, field, items]) => r.push({ field: String(field), value: list(items as string[]) }),
  pop: (r, [, field], result) => r.push({ field: String(field), value: String(result) }),
  insert: (r, [, field, , item]) => r.push({ field: String(field), value: String(item) }),
  removeAt: (r, [, field, , expected], result) => {
    if (result === true) r.push({ field: String(field), value: String(expected) });
  },
  range: (r, [, field], result) => r.push({ field: String(field), value: list(result as string[]) }),
  length: (r, [, field]) => r.push(record(field)),
  addMessage: (r, [, m]) => r.push({ field: MESSAGES_FIELD, value: message(m as PreparedMessage) }),
  history: (r, _, result) => {
    if (result !== undefined) r.push({ field: MESSAGES_FIELD, value: list(result as string[]) });
  },
  updateMessage: (r, _, result) => {
    const updated = result as UpdateMessageResult;
    if (updated.kind === "updated") r.push({ field: MESSAGES_FIELD, value: updated.raw });
  },
  deleteMessage: (r) => r.push(record(MESSAGES_FIELD)),
  compactMessages: (r, [, , summary], result) => {
    if ((result as CompactResult).ok)
      r.push({ field: MESSAGES_FIELD, value: message(summary as PreparedMessage) });
  },
};

const views = new WeakMap<MemoryStore, MemoryStore>();
const isView = new WeakSet<MemoryStore>();

/** @internal The recording view of `store` (one per store; a view is its own view). */
export function recordingStore(store: MemoryStore): MemoryStore {
  if (isView.has(store)) return store;
  let view = views.get(store);
  if (view !== undefined) return view;
  const wrapped = new Map<PropertyKey, unknown>();
  view = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        fn = wrap(target, value as (...args: unknown[]) => unknown, RECORDERS[prop as keyof MemoryStore]);
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
  views.set(store, view);
  isView.add(view);
  return view;
}

function wrap(
  target: MemoryStore,
  method: (...args: unknown[]) => unknown,
  recorder: Recorder | undefined,
): (...args: unknown[]) => unknown {
  if (recorder === undefined) return method.bind(target);
  return (...args: unknown[]) => {
    const records = callScope.current?.records;
    const result = method.apply(target, args);
    if (records === undefined || !(result instanceof Promise)) return result;
    return result.then((value: unknown) => {
      recorder(records, args, value);
      return value;
    });
  };
}
