/**
 * A batch's checks on the in-memory store, as batch-3.lua makes them on Redis: whether a guard
 * holds on a field's current value, and the kind each write needs its field to hold (and leaves
 * it holding), so every check runs before the first write.
 */
import type { ReadValue, StoreGuard, StoreWrite } from "../store.js";
import { EMPTY, EMPTY_MAP } from "./conversation.js";

/** What a field holds, for a batch's kind checks. */
export type Kind = "none" | "list" | "emptylist" | "map" | "emptymap" | "scalar";

const LISTY: ReadonlySet<Kind> = new Set(["none", "list", "emptylist"]);
const MAPPY: ReadonlySet<Kind> = new Set(["none", "map", "emptymap"]);

/** The kind of a live value (undefined: missing or expired). */
export function kindOf(value: ReadValue | undefined): Kind {
  if (value === undefined) return "none";
  if (value.kind === "list") return "list";
  if (value.kind === "map") return "map";
  return value.raw === EMPTY ? "emptylist" : value.raw === EMPTY_MAP ? "emptymap" : "scalar";
}

/** The kind `write` leaves its field holding, or undefined when the field's kind `before` refuses it. */
export function kindAfter(write: StoreWrite, before: Kind): Kind | undefined {
  switch (write.kind) {
    case "set": {
      const v = write.value;
      if (v.kind === "list") return v.items.length === 0 ? "emptylist" : "list";
      return kindOf(v);
    }
    case "setMap":
      return write.entries.length === 0 ? "emptymap" : "map";
    case "delete":
      return "none";
    case "push":
    case "splice":
    case "message":
      return LISTY.has(before) ? "list" : undefined;
    case "mapSet":
      return MAPPY.has(before) ? "map" : undefined;
    case "mapDelete":
      return MAPPY.has(before) ? before : undefined;
  }
}

function sameItems(got: readonly string[], want: readonly string[]): boolean {
  return got.length === want.length && got.every((item, i) => item === want[i]);
}

/** The elements of a list value ([] when missing or the empty-list marker); undefined for another kind. */
function listOf(value: ReadValue | undefined): readonly string[] | undefined {
  const kind = kindOf(value);
  if (kind === "none" || kind === "emptylist") return [];
  return value?.kind === "list" ? value.items : undefined;
}

/** Whether `guard` holds on its field's current value. */
export function guardHolds(guard: StoreGuard, value: ReadValue | undefined): boolean {
  switch (guard.kind) {
    case "equals": {
      const want = guard.value;
      if (want === undefined) return value === undefined;
      if (value === undefined || value.kind === "map") return false;
      if (want.kind === "scalar") return value.kind === "scalar" && value.raw === want.raw;
      if (value.kind === "scalar") return want.items.length === 0 && value.raw === EMPTY;
      return sameItems(value.items, want.items);
    }
    case "suffix":
    case "slice": {
      const items = listOf(value);
      if (items === undefined) return false;
      const n = guard.items.length;
      let start = guard.kind === "suffix" ? items.length - n : guard.start;
      if (start < 0 && guard.kind === "slice") start += items.length;
      if (start < 0 || start + n > items.length) return false;
      return sameItems(items.slice(start, start + n), guard.items);
    }
    case "mapKey": {
      const got = value?.kind === "map" ? value.entries.find(([k]) => k === guard.key)?.[1] : undefined;
      return got === guard.raw;
    }
  }
}
