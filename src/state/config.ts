/**
 * Configs as data: a JSON object naming any subset of the Universe's fields over the
 * defaults, validated with io-ts. Errors name the field; unknown fields are refused.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { CACHE_MODES, type CacheModeName } from './cacheMode.ts';
import { printable, quote } from '../util/quote.ts';
import { LIMITS, type CommandSwitches, type FaultSwitches, type Universe } from './universe.ts';

const Int = (min: number, max: number) =>
  new t.Type<number, number, unknown>(
    `integer in [${min}, ${max}]`,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

/** A label (a config's name, its description): at most max characters, none of them a control character. */
const Label = (max: number) =>
  new t.Type<string, string, unknown>(
    `text of at most ${max} characters, no control characters`,
    (u): u is string => typeof u === 'string',
    (u, c) => (typeof u === 'string' && u.length <= max && !/[\u0000-\u001f\u007f-\u009f]/.test(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

const ModeList = (allowed: readonly string[]) =>
  new t.Type<CacheModeName[], CacheModeName[], unknown>(
    `non-empty list of ${allowed.join('|')}`,
    (u): u is CacheModeName[] => Array.isArray(u),
    (u, c) =>
      Array.isArray(u) && u.length > 0 && u.every((m) => allowed.includes(m as string)) && new Set(u).size === u.length
        ? t.success(u as CacheModeName[])
        : t.failure(u, c),
    t.identity,
  );

export const DEFAULT_COMMANDS: CommandSwitches = {
  mmapDevmem: true,
  mmapPrivate: false,
  mapFixed: false,
  mmapDriver: false,
  mmapDriverPartial: false,
  remapTwice: false,
  munmap: true,
  mprotect: false,
  madvise: false,
  madviseInvalid: false,
  mremapShrink: false,
  mremapMove: false,
  mremapInvalid: false,
  fork: false,
  exit: false,
  writeFault: false,
  zap: false,
  vmfInsertPfn: false,
  memremap: false,
  ioremap: false,
};

export const DEFAULT_FAULTS: FaultSwitches = {
  forkCopy: false,
  trackPfnCopy: false,
  remapFill: false,
  ctxAlloc: false,
  split: false,
};

export const DEFAULT_UNIVERSE: Universe = {
  name: 'unnamed',
  description: '',
  procs: 1,
  vpages: 2,
  pfns: 2,
  maxMapPages: 2,
  kernelMapPages: 2,
  privateMapPages: 2,
  refcountMax: 4,
  treeMax: 6,
  kernelSlots: 0,
  mtrr: 'WB',
  mprotectProts: ['PROT_NONE', 'PROT_READ', 'PROT_READ|PROT_WRITE'],
  devmemModes: ['WB'],
  driverModes: ['WC'],
  commands: DEFAULT_COMMANDS,
  faults: DEFAULT_FAULTS,
  physBasePfn: 0xfe000,
  vaBasePage: 0x7f000000,
};

const switches = <K extends string>(keys: readonly K[]) => t.exact(t.partial(Object.fromEntries(keys.map((k) => [k, t.boolean])) as Record<K, t.BooleanC>));

const ConfigC = t.partial({
  name: Label(200),
  description: Label(2000),
  procs: Int(1, LIMITS.procs),
  vpages: Int(1, LIMITS.vpages),
  pfns: Int(1, LIMITS.pfns),
  maxMapPages: Int(1, LIMITS.vpages),
  kernelMapPages: Int(1, LIMITS.pfns),
  privateMapPages: Int(1, LIMITS.vpages),
  refcountMax: Int(2, LIMITS.refcountMax),
  treeMax: Int(1, LIMITS.treeMax),
  kernelSlots: Int(0, LIMITS.kernelSlots),
  mtrr: t.keyof({ WB: null, UC: null }),
  devmemModes: ModeList(['WB', 'UC-']),
  mprotectProts: new t.Type<string[], string[], unknown>(
    'non-empty list of PROT_NONE|PROT_READ|PROT_READ|PROT_WRITE',
    (x): x is string[] => Array.isArray(x),
    (x, ctx) =>
      Array.isArray(x) && x.length > 0 && x.every((p) => ['PROT_NONE', 'PROT_READ', 'PROT_READ|PROT_WRITE'].includes(p as string)) && new Set(x).size === x.length
        ? t.success(x as string[])
        : t.failure(x, ctx),
    t.identity,
  ),
  driverModes: ModeList(CACHE_MODES.filter((m) => m !== 'WP')),
  commands: switches(Object.keys(DEFAULT_COMMANDS) as (keyof CommandSwitches)[]),
  faults: switches(Object.keys(DEFAULT_FAULTS) as (keyof FaultSwitches)[]),
  physBasePfn: Int(0, 2 ** 40),
  vaBasePage: Int(0, 2 ** 36),
});

const KNOWN: Record<string, readonly string[]> = {
  '': Object.keys(ConfigC.props),
  commands: Object.keys(DEFAULT_COMMANDS),
  faults: Object.keys(DEFAULT_FAULTS),
};

/** Why a config was refused: the field (a '.'-joined path, absent for the whole object) and what is wrong with it. */
export interface ConfigError {
  /** the one-line message, field included */
  readonly error: string;
  readonly field?: string;
  /** the message without the field */
  readonly detail: string;
}

const refuse = (field: string | undefined, detail: string): ConfigError => ({ error: field ? `field '${printable(field)}': ${detail}` : detail, field, detail });

/** Decode a config object (already parsed JSON) over the defaults; the error names the field. */
export const decodeConfig = (json: unknown, base: Universe = DEFAULT_UNIVERSE): Universe | ConfigError => {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(undefined, 'a config must be a JSON object');
  for (const [group, keys] of Object.entries(KNOWN)) {
    const obj = group === '' ? json : (json as Record<string, unknown>)[group];
    if (obj === undefined) continue;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return refuse(group, 'expected an object');
    for (const k of Object.keys(obj))
      if (!keys.includes(k)) {
        const field = group ? `${group}.${k}` : k;
        return { error: `unknown field '${printable(field)}' (known: ${keys.join(', ')})`, field, detail: `unknown field (known: ${keys.join(', ')})` };
      }
  }
  const r = ConfigC.decode(json);
  if (isLeft(r)) {
    const e = r.left[0];
    const path = e.context
      .map((c) => c.key)
      .filter((k) => k !== '')
      .join('.');
    const type = e.context[e.context.length - 1]?.type.name ?? 'value';
    return refuse(path, `expected ${type}, got ${quote(e.value, 40)}`);
  }
  const c = r.right;
  const u: Universe = {
    ...base,
    // the range limits follow maxMapPages unless named
    kernelMapPages: c.kernelMapPages ?? c.maxMapPages ?? base.kernelMapPages,
    privateMapPages: c.privateMapPages ?? c.maxMapPages ?? base.privateMapPages,
    ...c,
    commands: { ...base.commands, ...(c.commands ?? {}) },
    faults: { ...base.faults, ...(c.faults ?? {}) },
  } as Universe;
  if (u.maxMapPages > u.vpages) return refuse('maxMapPages', `${u.maxMapPages} exceeds vpages ${u.vpages}`);
  if (u.maxMapPages > u.pfns) return refuse('maxMapPages', `${u.maxMapPages} exceeds pfns ${u.pfns}`);
  if (u.kernelMapPages > u.pfns) return refuse('kernelMapPages', `${u.kernelMapPages} exceeds pfns ${u.pfns}`);
  if (u.privateMapPages > u.maxMapPages) return refuse('privateMapPages', `${u.privateMapPages} exceeds maxMapPages ${u.maxMapPages}`);
  if ((u.commands.memremap || u.commands.ioremap) && u.kernelSlots === 0) return refuse('kernelSlots', 'memremap/ioremap commands need kernelSlots >= 1');
  if (!Object.values(u.commands).some(Boolean)) return refuse('commands', 'every command is switched off');
  return u;
};
