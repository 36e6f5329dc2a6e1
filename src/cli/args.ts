/**
 * A small, strict argument parser: known flags only, typed values, one-line errors. A flag
 * is given once; a value is never empty and never taken from the next flag (`--out --json`
 * is refused: `--out=--json` names such a file); an integer is decimal digits only, at most
 * 2^53 - 1 (Number('') and Number(' ') are 0, Number('1e3') is 1000: none is accepted).
 */
import { printable, quote } from '../util/quote.ts';
import { EXIT } from './exit.ts';

export class UsageError extends Error {}

export type FlagKind = 'bool' | 'int' | 'string';

export interface ParsedArgs {
  readonly positional: readonly string[];
  readonly flags: Readonly<Record<string, string | number | boolean>>;
}

export const parseArgs = (argv: readonly string[], spec: Readonly<Record<string, FlagKind>>, command: string): ParsedArgs => {
  const positional: string[] = [];
  const flags: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (!kind) throw new UsageError(`${command}: unknown flag --${printable(name)} (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    if (name in flags) throw new UsageError(`${command}: --${name} is given twice`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${command}: --${name} needs a value`);
    if (eq < 0 && value.startsWith('--')) throw new UsageError(`${command}: --${name} needs a value, got the flag ${quote(value)} (--${name}=VALUE for a value that starts with --)`);
    if (kind === 'int') {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)))
        throw new UsageError(`${command}: --${name} expects a non-negative integer (decimal digits), got ${quote(value)}`);
      flags[name] = Number(value);
    } else flags[name] = value;
  }
  return { positional, flags };
};

/** Refuse positional arguments beyond the expected ones, quoting the first extra. */
export const noPositional = (positional: readonly string[], command: string): void => {
  if (positional.length) throw new UsageError(`${command}: unexpected argument ${quote(positional[0])}`);
};

/** A repository script's refusal of its command line: the message on one line, exit 2 (EXIT.usage). */
export const usageExit = (message: string): never => {
  console.error(message);
  process.exit(EXIT.usage);
};

/**
 * The command line of a repository script (bench/, scripts/, kernel/), read with the CLI's
 * rules: parsed, or refused with `usageExit` before the script does anything. At most
 * `maxPositional` positional arguments.
 */
export const scriptArgs = (argv: readonly string[], spec: Readonly<Record<string, FlagKind>>, command: string, maxPositional = 0): ParsedArgs => {
  try {
    const parsed = parseArgs(argv, spec, command);
    noPositional(parsed.positional.slice(maxPositional), command);
    return parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageExit(e.message);
  }
};

/**
 * `--fast-path` / `--no-fast-path` as the fastPath option of a search (CheckOptions.fastPath):
 * true from the first step, false never, 'auto' when neither is given (what `check` does);
 * both together go to `fail` with one line naming `command`.
 */
export const fastPathOption = (flags: ParsedArgs['flags'], command: string, fail: (message: string) => never): boolean | 'auto' => {
  if (flags['fast-path'] && flags['no-fast-path']) fail(`${command}: --fast-path and --no-fast-path together`);
  return flags['fast-path'] ? true : flags['no-fast-path'] ? false : 'auto';
};
