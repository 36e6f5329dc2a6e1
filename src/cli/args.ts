/**
 * A small, strict argument parser: known flags only, typed values, one-line errors.
 */
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
    const kind = spec[name];
    if (!kind) throw new UsageError(`${command}: unknown flag --${name} (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    if (kind === 'int') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`${command}: --${name} expects a non-negative integer, got '${value}'`);
      flags[name] = n;
    } else flags[name] = value;
  }
  return { positional, flags };
};
