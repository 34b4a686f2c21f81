/**
 * `convmem inspect`: starts the local web inspector (src/inspector/) on the command's manager
 * and serves until SIGINT or SIGTERM. Read-only unless `--allow-writes`; a token is required
 * when bound to a non-loopback host.
 */
import { startInspector } from "../../inspector/server.js";
import { countOption, stringOption } from "../args.js";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { packageVersion } from "../package-info.js";

/** Highest TCP port. */
const MAX_PORT = 65_535;

/** `convmem inspect` */
export const inspect: Command = {
  name: "inspect",
  summary: "start a local web inspector: conversations, fields, history, stats",
  args: "",
  details:
    "Serves one page (no network access needed: its assets ship in the package) on\n" +
    "http://127.0.0.1:<port>/ and prints the address; Ctrl-C stops it. Conversations are listed\n" +
    "newest first within the part of the registry read so far (a page reads until it has\n" +
    '--limit rows or 10000 conversations, and "load more" reads on); an open conversation is\n' +
    "polled every --poll ms, so new messages show as they arrive.\n" +
    "\n" +
    "Read-only unless --allow-writes (delete conversation, set TTL, delete field). On a host\n" +
    "other than loopback (e.g. --host 0.0.0.0) a random access token is printed and required.\n" +
    "--json prints the address, port and token as one JSON line. See docs/inspector.md.",
  example: "inspect --port 8080",
  options: {
    host: { type: "string", value: "HOST", description: "address to bind (default: 127.0.0.1)" },
    port: { type: "string", value: "PORT", description: "port to listen on (default: 0 = a free port)" },
    "allow-writes": {
      type: "boolean",
      description: "enable delete conversation, set TTL and delete field in the page",
    },
    poll: {
      type: "string",
      value: "MS",
      description: "how often the page polls an open conversation (default: 2000)",
    },
  },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, { values }) {
    const host = stringOption(values, "host") ?? "127.0.0.1";
    if (host.trim() === "") throw new UsageError("--host must not be empty", "inspect");
    const port = countOption(values, "port", 0, "inspect") ?? 0;
    if (port > MAX_PORT) throw new UsageError(`--port must be at most ${MAX_PORT}, got ${port}`, "inspect");
    const pollMs = countOption(values, "poll", 250, "inspect") ?? 2000;
    const allowWrites = values["allow-writes"] === true;
    const inspector = await startInspector({
      manager: ctx.manager(),
      host,
      port,
      allowWrites,
      pollMs,
      url: ctx.url,
      keyPrefix: stringOption(values, "prefix") ?? "memory",
      version: packageVersion(),
    });
    if (ctx.json) {
      const { url, port: bound, token } = inspector;
      ctx.print(JSON.stringify({ url, host, port: bound, token: token ?? null, allowWrites }));
    } else {
      ctx.print(`convmem inspect: ${inspector.url}`);
      ctx.print(
        allowWrites
          ? "  writes enabled (--allow-writes): the page can delete conversations and fields and set TTLs"
          : "  read-only (start with --allow-writes to delete conversations and fields or set TTLs)",
      );
      if (inspector.token !== undefined) {
        ctx.print(`  bound to ${host}, not loopback: the page needs the access token ${inspector.token}`);
      }
      ctx.print("  Ctrl-C stops it");
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.removeListener("SIGINT", stop);
        process.removeListener("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await inspector.close();
    return 0;
  },
};
