/**
 * Usage texts: the overview (`convmem --help`) and each command's help (`convmem <cmd> --help`),
 * both built from the command and option specs so they can't drift from what is parsed.
 */
import { GLOBAL_OPTIONS, type OptionSpecs } from "./args.js";
import type { Command } from "./command.js";
import { keyValues } from "./format.js";

function optionLines(specs: OptionSpecs): string {
  return keyValues(
    Object.entries(specs).map(([name, spec]) => {
      const short = spec.short === undefined ? "    " : `-${spec.short}, `;
      const value = spec.value === undefined ? "" : ` <${spec.value}>`;
      return [`  ${short}--${name}${value}`, spec.description] as const;
    }),
  );
}

function globalOptions(): string[] {
  return ["", "Global options:", optionLines(GLOBAL_OPTIONS)];
}

/** `convmem --help`. */
export function overviewHelp(commands: readonly Command[]): string {
  const list = keyValues([
    ...commands.map((c) => [`  ${c.name}`, c.summary] as const),
    ["  help", "show help for a command: convmem help <command>"] as const,
  ]);
  return [
    "convmem — inspect and manage conversation memory in Redis",
    "",
    "Usage: convmem <command> [arguments] [options]",
    "",
    "Commands:",
    list,
    ...globalOptions(),
    "",
    "Exit codes: 0 success, 1 operational error (e.g. Redis unreachable, conversation not",
    "found), 2 usage error (including a delete or cleanup refused for want of --yes).",
    "",
    "--json output uses the library's names and units throughout: camelCase keys as in the",
    "API (conversationId, totalFields, totalSizeBytes, lastActivity, ttl), times in ms since",
    "the epoch, sizes in bytes, TTLs in seconds (null = never expires). Errors go to stderr",
    'as {"error": {"code", "message"}}.',
    "",
    "Run 'convmem <command> --help' for a command's arguments and options.",
  ].join("\n");
}

/** `convmem <command> --help`. */
export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0;
  return [
    `Usage: convmem ${command.name}${command.args ? ` ${command.args}` : ""}${own ? " [options]" : ""}`,
    "",
    `${command.summary[0]?.toUpperCase() ?? ""}${command.summary.slice(1)}.`,
    ...(command.details === undefined ? [] : ["", command.details]),
    ...(own ? ["", "Options:", optionLines(command.options)] : []),
    ...globalOptions(),
    "",
    "Example:",
    `  convmem ${command.example}`,
  ].join("\n");
}
