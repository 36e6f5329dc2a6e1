/** Resolve --design, --config and --invariants values, with one-line errors. */
import { INVARIANTS, invariantsFor } from '../../invariants/index.ts';
import { DEFAULT_CONFIG, NAMED_CONFIGS, SUITES } from '../checker/configs.ts';
import { ZOO } from '../checker/zoo.ts';
import { decodeConfig } from '../state/config.ts';
import { parseDesign, type Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { printable, quote } from '../util/quote.ts';
import { UsageError } from './args.ts';
import { readJsonDocument } from './input.ts';
import type { Io } from './main.ts';

export const resolveDesign = (name: string | undefined): Design => {
  const d = parseDesign(name ?? 'tracked');
  if (typeof d === 'string') throw new UsageError(`--design: ${d}`);
  return d;
};

/** A config file: strict JSON (util/json.ts), decoded over the defaults; errors name the file, line and field. */
const configFile = (file: string, io: Io): Universe => {
  const doc = readJsonDocument(io, file);
  const u = decodeConfig(doc.value);
  if ('error' in u) throw new UsageError(`${printable(file, 200)}:line ${doc.lineOf(u.field)}${u.field ? `, field '${printable(u.field)}'` : ''}: ${u.detail}`);
  return u.name === 'unnamed' ? { ...u, name: file } : u;
};

/** One config (simulate, diff): a named one, a zoo one or a file; by default the default suite's first member. */
export const resolveConfig = (value: string | undefined, io: Io, fallback = SUITES[DEFAULT_CONFIG].members[0]): Universe => {
  const v = value ?? fallback;
  if (Object.prototype.hasOwnProperty.call(NAMED_CONFIGS, v)) return NAMED_CONFIGS[v].universe;
  if (Object.prototype.hasOwnProperty.call(SUITES, v)) throw new UsageError(`--config: ${v} is a suite of configs (${SUITES[v].members.join(', ')}): this command takes one of them`);
  const zoo = ZOO.find((z) => z.universe.name === v);
  if (zoo) return zoo.universe;
  if (!v.endsWith('.json'))
    throw new UsageError(
      `--config: unknown config ${quote(v)} (named: ${[...Object.keys(SUITES), ...Object.keys(NAMED_CONFIGS), ...ZOO.map((z) => z.universe.name)].join(', ')}; or a FILE.json)`,
    );
  return configFile(v, io);
};

/** A config, or a suite of them (`default`, or NAME,NAME). */
export const resolveConfigs = (value: string | undefined, io: Io): { name: string; members: Universe[] } => {
  const v = value ?? 'default';
  if (Object.prototype.hasOwnProperty.call(SUITES, v)) return { name: v, members: SUITES[v].members.map((m) => resolveConfig(m, io)) };
  if (v.includes(',')) {
    const names = v.split(',');
    if (names.some((n) => n.trim() === '')) throw new UsageError(`--config: an empty name in ${quote(v)}`);
    return { name: v, members: names.map((m) => resolveConfig(m, io)) };
  }
  const u = resolveConfig(v, io);
  return { name: u.name, members: [u] };
};

/**
 * --invariants a,b for a design: every name known and applying to the design (a list that
 * checks nothing would report PROVED, or a clean replay, about nothing). Undefined: all.
 */
export const resolveInvariants = (value: string | undefined, design: Design): string[] | undefined => {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  if (names.every((n) => n === '')) throw new UsageError(`--invariants: no invariant named in ${quote(value)} (pfnmap list names them)`);
  if (names.includes('')) throw new UsageError(`--invariants: an empty name in ${quote(value)}`);
  const known = INVARIANTS.map((i) => i.name);
  const applying = invariantsFor(design).map((i) => i.name);
  for (const n of names) {
    if (!known.includes(n)) throw new UsageError(`--invariants: unknown invariant ${quote(n)} (known: ${known.join(', ')})`);
    if (!applying.includes(n))
      throw new UsageError(`--invariants: ${n} does not apply to design ${design.name} (it is checked on ${INVARIANTS.find((i) => i.name === n)!.designs!.join(', ')} designs)`);
  }
  return [...new Set(names)];
};
