/**
 * `convmem export` and `convmem import`: a conversation as one JSON document and back.
 *
 * Format: `{ "format": "convmem-export", "version": 2, "conversationId", "ttl", "fields" }`,
 * `ttl` being the seconds left (null = never expires) and `fields` every field's value in the
 * stored encoding (bytes as `{"$bytes":"<base64>"}`, lookalikes escaped; list fields as arrays;
 * `messages` holds the stored messages verbatim, ids and timestamps included). Version 1 (before
 * bytes) held plain JSON values and is still read as such. `maps` (optional) names the map
 * fields, whose value is the object of their entries. Import writes all fields in one atomic
 * `batch`, then applies the TTL.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type BatchWrite, type ConversationMemory, WrongTypeError } from "../../index.js";
import { stringOption } from "../args.js";
import { type Command, readConversation } from "../command.js";
import { CliError } from "../errors.js";
import { decodedTree, encodedTree, formatTtl, printable } from "../format.js";

/** The `format` marker of an export document. */
export const EXPORT_FORMAT = "convmem-export";
/** The version of the export document this CLI writes (it reads this one and 1). */
export const EXPORT_VERSION = 2;
/** Version 1: field values as plain JSON, from before bytes had an encoding. */
const PLAIN_VERSION = 1;

/** An export document. */
export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION | typeof PLAIN_VERSION;
  conversationId: string;
  /** Seconds left; null = never expires. When absent on import, the TTL is left as it is. */
  ttl?: number | null;
  fields: Record<string, unknown>;
  /** The fields that are map fields (their value in `fields`: an object of the map's entries). */
  maps?: string[];
}

/** The fields among `items` that are map fields: an object value whose field answers `mapSize`. */
async function mapFields(
  memory: ConversationMemory,
  items: ReadonlyArray<[string, unknown]>,
): Promise<string[]> {
  const maps: string[] = [];
  for (const [field, value] of items) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array)
      continue;
    try {
      if ((await memory.mapSize(field)) > 0) maps.push(field);
    } catch (err) {
      if (!(err instanceof WrongTypeError)) throw err;
    }
  }
  return maps;
}

/** `convmem export <id> [--out file]` */
export const exportCommand: Command = {
  name: "export",
  summary: "write a conversation (fields, messages, TTL) as a JSON document",
  args: "<id>",
  details: `Document: { "format": "${EXPORT_FORMAT}", "version": ${EXPORT_VERSION}, "conversationId", "ttl", "fields" }.`,
  example: "export conv_123 --out conv_123.json",
  options: { out: { type: "string", value: "FILE", description: "write to FILE instead of stdout" } },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [id = ""], values }) {
    const { memory, items, ttl } = await readConversation(ctx, id);
    const maps = await mapFields(memory, items);
    const doc: ExportDocument = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      conversationId: id,
      ttl,
      fields: Object.fromEntries(items.map(([field, value]) => [field, encodedTree(value)])),
      ...(maps.length > 0 ? { maps } : {}),
    };
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const out = stringOption(values, "out");
    if (out === undefined) {
      process.stdout.write(text);
      return 0;
    }
    writeFileSync(out, text);
    if (ctx.json) ctx.printJson({ conversationId: id, file: out, totalFields: items.length, ttl });
    else ctx.print(`exported ${items.length} fields of ${printable(id)} to ${out}`);
    return 0;
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads and checks an export document, its field values decoded; `-` reads stdin. */
export function readExport(file: string): ExportDocument {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bad = (why: string) => new CliError(`${file} is not a convmem export: ${why}`);
  if (!isRecord(doc) || doc.format !== EXPORT_FORMAT) throw bad(`"format" must be "${EXPORT_FORMAT}"`);
  if (doc.version !== EXPORT_VERSION && doc.version !== PLAIN_VERSION) {
    throw bad(
      `unsupported version ${JSON.stringify(doc.version)} (this convmem reads ${PLAIN_VERSION} and ${EXPORT_VERSION})`,
    );
  }
  if (typeof doc.conversationId !== "string") throw bad('"conversationId" must be a string');
  if (doc.ttl !== undefined && doc.ttl !== null && typeof doc.ttl !== "number") {
    throw bad('"ttl" must be a number or null');
  }
  if (!isRecord(doc.fields)) throw bad('"fields" must be an object');
  if (
    doc.maps !== undefined &&
    !(
      Array.isArray(doc.maps) &&
      doc.maps.every((m) => typeof m === "string" && isRecord((doc.fields as Record<string, unknown>)[m]))
    )
  )
    throw bad('"maps" must list fields whose values are objects');
  if (doc.version === EXPORT_VERSION) {
    const fields = doc.fields;
    // Field by field, as written: the `fields` object itself is never a tag.
    for (const field of Object.keys(fields)) {
      Object.defineProperty(fields, field, {
        value: decodedTree(fields[field]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return doc as unknown as ExportDocument;
}

/** `convmem import <file> [--id newId] [--force]` */
export const importCommand: Command = {
  name: "import",
  summary: "write a conversation from an export document (FILE, or - for stdin)",
  args: "<file>",
  details:
    "Importing into a conversation that already has fields fails unless --force, which\n" +
    "clears it first. All fields are written in one atomic step, then the TTL is applied.",
  example: "import conv_123.json --id conv_456",
  options: {
    id: { type: "string", value: "ID", description: "import under this id (default: the exported id)" },
    force: { type: "boolean", description: "replace a conversation that already has fields" },
  },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals: [file = ""], values }) {
    const doc = readExport(file);
    const id = stringOption(values, "id") ?? doc.conversationId;
    const memory = ctx.manager().getMemory(id);
    const existing = await memory.keys();
    if (existing.length > 0) {
      if (values.force !== true) {
        throw new CliError(
          `conversation ${JSON.stringify(id)} already has ${existing.length} fields; use --force to replace them`,
        );
      }
      await memory.clearAll();
    }
    // One atomic step: map fields as maps, the others as values.
    const maps = new Set(doc.maps ?? []);
    const writes: BatchWrite[] = Object.entries(doc.fields).map(([field, value]) =>
      maps.has(field)
        ? { op: "setMap", field, entries: value as Record<string, unknown> }
        : { op: "set", field, value },
    );
    if (writes.length > 0) await memory.batch(writes);
    if (doc.ttl !== undefined) await memory.setTtl(doc.ttl);
    const fields = Object.keys(doc.fields).length;
    const ttl = await memory.getTtl();
    if (ctx.json) ctx.printJson({ conversationId: id, totalFields: fields, ttl: ttl ?? null });
    else ctx.print(`imported ${fields} fields into ${printable(id)} (ttl ${formatTtl(ttl)})`);
    return 0;
  },
};
