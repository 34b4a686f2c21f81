#!/usr/bin/env node
/**
 * `convmem` command-line entry: finds the command word, parses the global and command options
 * with `node:util` `parseArgs`, runs the command against the public API, and maps failures to
 * a message on stderr (credentials redacted) and an exit code: 1 operational, 2 usage.
 */
import { findCommand, GLOBAL_OPTIONS, type OptionSpecs, type ParsedLine, parseLine } from "./args.js";
import { type Command, createContext, type OwnedContext, resolveUrl } from "./command.js";
import { cleanup } from "./commands/cleanup.js";
import { deleteCommand, show, ttl } from "./commands/conversation.js";
import { demo } from "./commands/demo.js";
import { messages, tail } from "./commands/history.js";
import { inspect } from "./commands/inspect.js";
import { list, stats } from "./commands/overview.js";
import { exportCommand, importCommand } from "./commands/transfer.js";
import { EXIT_USAGE, errorReport, exitCodeOf, UsageError } from "./errors.js";
import { commandHelp, overviewHelp } from "./help.js";
import { packageVersion } from "./package-info.js";
import { didYouMean } from "./suggest.js";

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  stats,
  list,
  show,
  messages,
  tail,
  ttl,
  deleteCommand,
  cleanup,
  exportCommand,
  importCommand,
  inspect,
  demo,
];

/** Global options plus every command's, for finding the command word. */
const ALL_OPTIONS: OptionSpecs = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options));

const out = (text: string) => process.stdout.write(`${text}\n`);

function lookup(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const known = [...COMMANDS.map((c) => c.name), "help"];
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}${didYouMean(name, known, (c) => `'${c}'`)}`,
    );
  }
  return command;
}

/** `convmem`, `convmem --help`, `convmem --version`, `convmem help [command]`. */
function runTopLevel(args: readonly string[], isHelpCommand: boolean): number {
  const { values, positionals } = parseLine(args, GLOBAL_OPTIONS);
  if (values.version === true) {
    out(packageVersion());
    return 0;
  }
  const [topic, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  if (topic !== undefined) {
    out(commandHelp(lookup(topic)));
    return 0;
  }
  if (!isHelpCommand && values.help !== true) {
    process.stderr.write(`${overviewHelp(COMMANDS)}\n`);
    return EXIT_USAGE;
  }
  out(overviewHelp(COMMANDS));
  return 0;
}

/** Parses a command's line: global options anywhere; `demo` keeps what follows it unparsed. */
function parseCommandLine(command: Command, before: string[], after: string[]): ParsedLine {
  if (command.passThrough === true) {
    const { values } = parseLine(before, GLOBAL_OPTIONS, command.name);
    const help = after[0] === "--help" || after[0] === "-h";
    const rest = after[0] === "--" ? after.slice(1) : after;
    return { values: help ? { ...values, help: true } : values, positionals: help ? [] : rest };
  }
  return parseLine([...before, ...after], { ...GLOBAL_OPTIONS, ...command.options }, command.name);
}

function checkArity(command: Command, positionals: readonly string[]): void {
  if (positionals.length < command.minArgs) {
    throw new UsageError(`missing argument: convmem ${command.name} ${command.args}`, command.name);
  }
  if (positionals.length > command.maxArgs) {
    const extra = positionals[command.maxArgs];
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`, command.name);
  }
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let json = argv.includes("--json");
  let url: string | undefined = resolveUrl({}, env);
  let ctx: OwnedContext | undefined;
  try {
    const at = findCommand(argv, ALL_OPTIONS);
    const name = at < 0 ? undefined : argv[at];
    const rest = argv.filter((_, i) => i !== at);
    if (name === undefined || name === "help") return runTopLevel(rest, name === "help");
    const command = lookup(name);
    const parsed = parseCommandLine(command, argv.slice(0, at), argv.slice(at + 1));
    json = parsed.values.json === true;
    url = resolveUrl(parsed.values, env);
    if (parsed.values.help === true) {
      out(commandHelp(command));
      return 0;
    }
    if (parsed.values.version === true) {
      out(packageVersion());
      return 0;
    }
    checkArity(command, parsed.positionals);
    ctx = createContext(parsed.values, env, command.name);
    return (await command.run(ctx, parsed)) ?? 0;
  } catch (err) {
    process.stderr.write(`${errorReport(err, json, url)}\n`);
    return exitCodeOf(err);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}

// A closed pipe (`convmem list | head`) is not an error: stop writing and exit quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
const code = await main(process.argv.slice(2), process.env);
process.exitCode = code;
// Output is flushed by now; never let a lingering handle keep a finished command alive.
setTimeout(() => process.exit(code), 1000).unref();
