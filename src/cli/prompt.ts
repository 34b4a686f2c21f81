/**
 * Confirmation before a destructive command (`delete`, `cleanup`): asked on a terminal,
 * skipped with `--yes`, refused when nobody can answer (stdin not a terminal and no `--yes`),
 * so a script never deletes by accident nor hangs waiting for an answer.
 */
import { createInterface } from "node:readline";
import { CliError, UsageError } from "./errors.js";

/**
 * Writes `question` to `output` and reads one line from `input`: true for `y` or `yes` (any
 * case), false for anything else, an empty line or the end of input (Ctrl-D).
 */
export function askYesNo(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  question: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once("close", () => {
      if (!answered) {
        output.write("\n");
        resolve(false);
      }
    });
    output.write(`${question} [y/N] `);
  });
}

/** Where a confirmation is asked. */
export interface Confirmer {
  /** Someone can answer: stdin is a terminal. */
  readonly interactive: boolean;
  /** Asks `question`; true when confirmed. */
  ask(question: string): Promise<boolean>;
}

/**
 * Throws the refusal of {@link confirmAction} up front — before any Redis work — when nobody
 * can confirm: no `--yes` and stdin not a terminal.
 */
export function refuseUnattended(confirmer: Confirmer, yes: boolean, action: string, command: string): void {
  if (yes || confirmer.interactive) return;
  throw new UsageError(
    `refusing to ${action} without confirmation: stdin is not a terminal; pass --yes to confirm`,
    command,
  );
}

/**
 * Resolves when `action` may go ahead: `--yes` given, or confirmed at the prompt. Throws a
 * {@link UsageError} (exit 2) when stdin is not a terminal and `--yes` is missing, a
 * {@link CliError} (exit 1) when the answer is no.
 */
export async function confirmAction(
  confirmer: Confirmer,
  yes: boolean,
  action: string,
  command: string,
): Promise<void> {
  refuseUnattended(confirmer, yes, action, command);
  if (yes) return;
  if (!(await confirmer.ask(`${action[0]?.toUpperCase() ?? ""}${action.slice(1)}?`))) {
    throw new CliError("aborted: nothing was changed");
  }
}
