/**
 * Named configs (data, validated like any config file) and their pinned results: the
 * verdict, distinct states and depth per design, as tlaplus/Examples pins them in
 * manifest.json. A change in a state space is a reviewed diff of this file
 * (test/checker/configs.test.ts checks the pins of the configs in the suite; `check` compares
 * any whole search of a named config with its pin).
 */
import { decodeConfig } from '../state/config.ts';
import { parseDesign, sameMachines, type Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import type { Verdict } from './check.ts';

export interface Pin {
  readonly verdict: Verdict;
  readonly distinct: number;
  readonly depth: number;
  /** the invariant a VIOLATION breaks */
  readonly invariant?: string;
}

export interface NamedConfig {
  readonly universe: Universe;
  /** pinned results per design name, with symmetry reduction on (and off where given) */
  readonly pins: Readonly<Record<string, Pin>>;
  readonly pinsNoSymmetry?: Readonly<Record<string, Pin>>;
  /** checked by `npm test` (small enough to run in seconds) */
  readonly inSuite: boolean;
}

const cfg = (json: Record<string, unknown>): Universe => {
  const u = decodeConfig(json);
  if ('error' in u) throw new Error(`config ${String(json.name)}: ${u.error}`);
  return u;
};

const ALL_COMMANDS = {
  mmapDevmem: true,
  mmapPrivate: true,
  mapFixed: false,
  mmapDriver: false,
  mmapDriverPartial: true,
  remapTwice: true,
  munmap: true,
  mprotect: true,
  madvise: true,
  madviseInvalid: true,
  mremapShrink: true,
  mremapMove: true,
  mremapInvalid: true,
  fork: true,
  exit: true,
  writeFault: true,
  zap: true,
  vmfInsertPfn: true,
  memremap: true,
  ioremap: true,
};

export const NAMED_CONFIGS: Readonly<Record<string, NamedConfig>> = {
  main: {
    universe: cfg({
      name: 'main',
      description:
        'the main universe of the default job: 2 address spaces x 2 virtual pages x 2 device frames; /dev/mem mmap (WB, UC-), munmap, mprotect, madvise, mremap, fork, exit, kernel zaps, a double remap; remap, ctx, split and fork faults; REFCOUNT_MAX 3',
      procs: 2,
      vpages: 2,
      pfns: 2,
      maxMapPages: 2,
      kernelMapPages: 1,
      refcountMax: 3,
      treeMax: 6,
      devmemModes: ['WB', 'UC-'],
      mprotectProts: ['PROT_NONE'],
      commands: {
        mprotect: true,
        madvise: true,
        madviseInvalid: true,
        mremapShrink: true,
        mremapMove: true,
        mremapInvalid: true,
        fork: true,
        exit: true,
        zap: true,
        remapTwice: true,
      },
      faults: { forkCopy: true, trackPfnCopy: true, remapFill: true, ctxAlloc: true, split: true },
    }),
    // checked by `npm run check` (minutes), not by npm test
    pins: { tracked: { verdict: 'PROVED', distinct: 1873183, depth: 14 } },
    inSuite: false,
  },
  cow: {
    universe: cfg({
      name: 'cow',
      description: 'private (COW) /dev/mem mappings, write faults, fork and exit: 2 address spaces x 2 virtual pages x 2 device frames',
      procs: 2,
      vpages: 2,
      pfns: 2,
      refcountMax: 3,
      commands: { mmapPrivate: true, writeFault: true, fork: true, exit: true, mremapMove: true },
      faults: { forkCopy: true, trackPfnCopy: true },
    }),
    pins: { tracked: { verdict: 'PROVED', distinct: 14901, depth: 11 } },
    inSuite: true,
  },
  kernel: {
    universe: cfg({
      name: 'kernel',
      description:
        'the kernel side and drivers: memremap_pages, ioremap, driver mmaps (whole, partial, twice), vmf_insert_pfn, kernel zaps, private mappings; 1 address space x 2 virtual pages x 2 device frames, one kernel slot',
      procs: 1,
      vpages: 2,
      pfns: 2,
      kernelSlots: 1,
      devmemModes: ['WB', 'UC-'],
      driverModes: ['WC', 'UC-'],
      mprotectProts: ['PROT_NONE'],
      commands: {
        mmapDriver: true,
        mmapDriverPartial: true,
        remapTwice: true,
        vmfInsertPfn: true,
        zap: true,
        memremap: true,
        ioremap: true,
        mmapPrivate: true,
        writeFault: true,
        mprotect: true,
      },
      faults: { remapFill: true, ctxAlloc: true, split: true },
    }),
    pins: { tracked: { verdict: 'PROVED', distinct: 43622, depth: 10 } },
    inSuite: true,
  },
  full: {
    universe: cfg({
      name: 'full',
      description:
        'every command and fault of MODEL.md §3 in one universe: 2 address spaces x 2 virtual pages x 2 device frames, one kernel slot (more than 169 million states: docs/model.md §2)',
      procs: 2,
      vpages: 2,
      pfns: 2,
      maxMapPages: 2,
      refcountMax: 3,
      treeMax: 6,
      kernelSlots: 1,
      devmemModes: ['WB', 'UC-'],
      driverModes: ['UC-'],
      commands: ALL_COMMANDS,
      faults: { forkCopy: true, trackPfnCopy: true, remapFill: true, ctxAlloc: true, split: true },
    }),
    // no pin: no whole search of this universe has been run to the end (docs/model.md §2)
    pins: {},
    inSuite: false,
  },
  tiny: {
    universe: cfg({
      name: 'tiny',
      description: 'one address space, 2 virtual pages, 2 frames: /dev/mem mmap and munmap only',
      procs: 1,
      vpages: 2,
      pfns: 2,
    }),
    pins: {
      tracked: { verdict: 'PROVED', distinct: 16, depth: 3 },
      precise: { verdict: 'PROVED', distinct: 16, depth: 3 },
      'legacy@v6.1': { verdict: 'VIOLATION', distinct: 7, depth: 2, invariant: 'no-invalid-free' },
    },
    pinsNoSymmetry: { tracked: { verdict: 'PROVED', distinct: 24, depth: 6 } },
    inSuite: true,
  },
  split3: {
    universe: cfg({
      name: 'split3',
      description: 'one address space, 3 virtual pages, 3 frames: splits by munmap, mprotect and mremap (head, tail, middle)',
      procs: 1,
      vpages: 3,
      pfns: 3,
      maxMapPages: 3,
      devmemModes: ['WB', 'UC-'],
      commands: { mprotect: true, mremapShrink: true, mremapMove: true, mremapInvalid: true },
    }),
    pins: {
      tracked: { verdict: 'PROVED', distinct: 16557, depth: 8 },
      precise: { verdict: 'PROVED', distinct: 25837, depth: 8 },
      'legacy@v6.1': { verdict: 'VIOLATION', distinct: 40, depth: 2, invariant: 'no-invalid-free' },
      'legacy@v6.15-rc1': { verdict: 'VIOLATION', distinct: 23, depth: 2, invariant: 'memtype-no-leak' },
    },
    pinsNoSymmetry: { tracked: { verdict: 'PROVED', distinct: 40461, depth: 8 } },
    inSuite: true,
  },
  fork2: {
    universe: cfg({
      name: 'fork2',
      description: 'two address spaces, 2 pages, 2 frames: fork, exit, MADV_DONTFORK, fork failures, REFCOUNT_MAX 3',
      procs: 2,
      vpages: 2,
      pfns: 2,
      refcountMax: 3,
      commands: { fork: true, exit: true, madvise: true, mprotect: true },
      faults: { forkCopy: true, trackPfnCopy: true },
    }),
    pins: {
      tracked: { verdict: 'PROVED', distinct: 25423, depth: 11 },
      'legacy@v6.15': { verdict: 'VIOLATION', distinct: 12, depth: 2, invariant: 'no-invalid-free' },
    },
    inSuite: true,
  },
  kernel2: {
    universe: cfg({
      name: 'kernel2',
      description: 'one address space and one kernel slot: memremap_pages, ioremap, a driver with partial remaps and vmf_insert_pfn, kernel zaps',
      procs: 1,
      vpages: 2,
      pfns: 2,
      kernelSlots: 1,
      devmemModes: ['WB', 'UC-'],
      driverModes: ['WC', 'UC-'],
      commands: { mmapDriver: true, mmapDriverPartial: true, remapTwice: true, vmfInsertPfn: true, zap: true, memremap: true, ioremap: true, mmapPrivate: true, writeFault: true },
      faults: { remapFill: true, ctxAlloc: true },
    }),
    pins: {
      tracked: { verdict: 'PROVED', distinct: 11338, depth: 9 },
      precise: { verdict: 'PROVED', distinct: 14350, depth: 10 },
      'legacy@v6.15': { verdict: 'VIOLATION', distinct: 3, depth: 1, invariant: 'no-warn' },
    },
    pinsNoSymmetry: { tracked: { verdict: 'PROVED', distinct: 18090, depth: 10 } },
    inSuite: true,
  },
  medium: {
    universe: cfg({
      name: 'medium',
      description: 'two address spaces x 3 virtual pages x 2 frames: mmap, munmap, mprotect, mremap, fork, exit',
      procs: 2,
      vpages: 3,
      pfns: 2,
      devmemModes: ['WB', 'UC-'],
      commands: { mprotect: true, fork: true, exit: true, mremapShrink: true, mremapMove: true },
    }),
    // a snapshot of one whole run, not derived; checked by `check --config medium` (too long for npm test)
    pins: { tracked: { verdict: 'PROVED', distinct: 19158655, depth: 24 } },
    inSuite: false,
  },
};

/**
 * Suites: several universes checked in turn and judged together. The default job is a
 * suite because no single universe that holds every command of MODEL.md §3 with two address
 * spaces is small enough to prove in minutes ('full' is that universe); together its members
 * fire every command and reach every reachability property (test/checker/suite.test.ts).
 */
export const SUITES: Readonly<Record<string, { readonly description: string; readonly members: readonly string[] }>> = {
  default: {
    description: 'the default job: main (2 address spaces, the user-space commands), cow (private mappings and fork), kernel (kernel-side users and drivers)',
    members: ['main', 'cow', 'kernel'],
  },
};

export const DEFAULT_CONFIG = 'default';

/**
 * The pinned result for a search of a named config (the universe object NAMED_CONFIGS holds,
 * not a file of the same name) on a design, with symmetry reduction on or off; undefined when
 * there is none. A pin given under one name holds for every name of the same machine options
 * (`tracked` and its alias `tracked@v6.16`).
 */
export const pinFor = (universe: Universe, design: Design, symmetry: boolean): Pin | undefined => {
  const named = Object.values(NAMED_CONFIGS).find((c) => c.universe === universe);
  const pins = symmetry ? named?.pins : named?.pinsNoSymmetry;
  if (!pins) return undefined;
  const key = Object.keys(pins).find((n) => {
    const d = parseDesign(n);
    return n === design.name || (typeof d !== 'string' && sameMachines(d, design));
  });
  return key === undefined ? undefined : pins[key];
};

/**
 * How a whole search's result differs from its pin (verdict, distinct states, depth, the
 * invariant broken), in one line; null when it matches.
 */
export const pinDrift = (pin: Pin, r: { verdict: Verdict; distinct: number; depth: number; violation?: { invariant: string } }): string | null => {
  const same = pin.verdict === r.verdict && pin.distinct === r.distinct && pin.depth === r.depth && pin.invariant === r.violation?.invariant;
  if (same) return null;
  const say = (v: Verdict, distinct: number, depth: number, inv: string | undefined) =>
    `${v}${inv ? ` of ${inv}` : ''}, ${distinct.toLocaleString('en-US')} distinct states, depth ${depth}`;
  return `pinned ${say(pin.verdict, pin.distinct, pin.depth, pin.invariant)}; this run ${say(r.verdict, r.distinct, r.depth, r.violation?.invariant)}`;
};
