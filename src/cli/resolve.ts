/** Resolve --design and --config values, with one-line errors. */
import { NAMED_CONFIGS, SUITES } from '../checker/configs.ts';
import { ZOO } from '../checker/zoo.ts';
import { decodeConfig } from '../state/config.ts';
import { parseDesign, type Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { UsageError } from './args.ts';
import type { Io } from './main.ts';

export const resolveDesign = (name: string | undefined): Design => {
  const d = parseDesign(name ?? 'tracked');
  if (typeof d === 'string') throw new UsageError(`--design: ${d}`);
  return d;
};

export const resolveConfig = (value: string | undefined, io: Io, fallback = 'default'): Universe => {
  const v = value ?? fallback;
  if (NAMED_CONFIGS[v]) return NAMED_CONFIGS[v].universe;
  const zoo = ZOO.find((z) => z.universe.name === v);
  if (zoo) return zoo.universe;
  if (!v.endsWith('.json')) throw new UsageError(`--config: unknown config '${v}' (named: ${[...Object.keys(SUITES), ...Object.keys(NAMED_CONFIGS), ...ZOO.map((z) => z.universe.name)].join(', ')}; or a FILE.json)`);
  const text = io.readFile(v);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${v}: bad JSON: ${(e as Error).message}`);
  }
  const u = decodeConfig(json);
  if ('error' in u) throw new UsageError(`${v}: ${u.error}`);
  return u.name === 'unnamed' ? { ...u, name: v } : u;
};

/** A config, or a suite of them (`default`, or NAME,NAME). */
export const resolveConfigs = (value: string | undefined, io: Io): { name: string; members: Universe[] } => {
  const v = value ?? 'default';
  const suite = SUITES[v];
  if (suite) return { name: v, members: suite.members.map((m) => resolveConfig(m, io)) };
  if (v.includes(',')) return { name: v, members: v.split(',').map((m) => resolveConfig(m, io)) };
  const u = resolveConfig(v, io);
  return { name: u.name, members: [u] };
};

export const resolveInvariants = (value: string | undefined, known: readonly string[]): string[] | undefined => {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!known.includes(n)) throw new UsageError(`--invariants: unknown invariant '${n}' (known: ${known.join(', ')})`);
  return names;
};
