/**
 * The bench configs: the `tracked` design restricted to the bench command set
 * (mmapDevmem MAP_SHARED WB, munmap, mprotect PROT_NONE/PROT_READ, fork, exit; no faults).
 * The same parameters drive our checker (decodeConfig) and the Promela generator (promela.ts).
 */
import { decodeConfig } from '../src/state/config.ts';
import type { Universe } from '../src/state/universe.ts';

export interface BenchParams {
  readonly name: string;
  readonly procs: number;
  readonly vpages: number;
  readonly pfns: number;
  readonly maxMapPages: number;
  readonly refcountMax: number;
}

/**
 * treeMax: every live ctx has exactly one tree entry and every live ctx is named by a VMA,
 * so the tree holds at most procs*vpages entries; with treeMax = procs*vpages our checker
 * never drops a successor at the tree bound (treeBoundHits stays 0, asserted by ours.ts).
 */
export const treeMaxOf = (p: BenchParams): number => p.procs * p.vpages;

export const benchUniverse = (p: BenchParams): Universe => {
  const u = decodeConfig({
    name: `bench-${p.name}`,
    procs: p.procs,
    vpages: p.vpages,
    pfns: p.pfns,
    maxMapPages: p.maxMapPages,
    refcountMax: p.refcountMax,
    treeMax: treeMaxOf(p),
    kernelSlots: 0,
    mtrr: 'WB',
    devmemModes: ['WB'],
    commands: {
      mmapDevmem: true,
      mmapPrivate: false,
      mapFixed: false,
      mmapDriver: false,
      mmapDriverPartial: false,
      remapTwice: false,
      munmap: true,
      mprotect: true,
      madvise: false,
      madviseInvalid: false,
      mremapShrink: false,
      mremapMove: false,
      mremapInvalid: false,
      fork: true,
      exit: true,
      writeFault: false,
      zap: false,
      vmfInsertPfn: false,
      memremap: false,
      ioremap: false,
    },
    faults: { forkCopy: false, trackPfnCopy: false, remapFill: false, ctxAlloc: false, split: false },
  });
  if ('error' in u) throw new Error(`bench config ${p.name}: ${u.error}`);
  return u;
};

const P = (name: string, procs: number, vpages: number, pfns: number, maxMapPages: number, refcountMax: number): BenchParams => ({
  name,
  procs,
  vpages,
  pfns,
  maxMapPages,
  refcountMax,
});

/**
 * The three bench configs (small, medium, large) that `npm run bench` compares: two address
 * spaces, two virtual pages, growing device frames. The large one takes SPIN more than 30 s
 * on the bench machine (2 shared cores).
 */
export const BENCH_CONFIGS: readonly BenchParams[] = [
  P('small', 2, 2, 2, 2, 4),
  P('medium', 2, 2, 4, 2, 4),
  P('large', 2, 2, 8, 2, 4),
];

/** Growing configs for the scaling table (one run each): vpages at one address space, pfns at two. */
export const SCALING_CONFIGS: readonly BenchParams[] = [
  P('p1v2n2m2r4', 1, 2, 2, 2, 4),
  P('p1v3n2m2r4', 1, 3, 2, 2, 4),
  P('p1v4n2m2r4', 1, 4, 2, 2, 4),
  P('p1v5n2m2r4', 1, 5, 2, 2, 4),
  P('p2v2n2m2r4', 2, 2, 2, 2, 4),
  P('p2v2n3m2r4', 2, 2, 3, 2, 4),
  P('p2v2n4m2r4', 2, 2, 4, 2, 4),
  P('p2v2n5m2r4', 2, 2, 5, 2, 4),
  P('p2v2n6m2r4', 2, 2, 6, 2, 4),
];

/**
 * Configs for the count comparison alone (tsx bench/run.ts --equality): the tiny start
 * (procs 1, vpages 2, pfns 2) and growing ones. REFCOUNT_MAX refusals are reached (our
 * reachability 'kref-saturation-refused') in p1v3n3m3r2 (munmap of the middle of a 3-page
 * VMA: the first split is kept, the second refused, -ENOMEM), p2v2n2m2r2 (a split of a ctx
 * shared across fork) and p3v2n1m1r2 (a second fork of a shared ctx, torn down).
 */
export const EQUALITY_CONFIGS: readonly BenchParams[] = [
  P('p1v2n2m2r4', 1, 2, 2, 2, 4),
  P('p1v3n3m2r4', 1, 3, 3, 2, 4),
  P('p1v3n2m2r2', 1, 3, 2, 2, 2),
  P('p1v3n3m3r2', 1, 3, 3, 3, 2),
  P('p1v4n2m2r2', 1, 4, 2, 2, 2),
  P('p1v4n4m3r3', 1, 4, 4, 3, 3),
  P('p2v2n2m2r4', 2, 2, 2, 2, 4),
  P('p2v2n2m2r2', 2, 2, 2, 2, 2),
  P('p2v2n3m1r2', 2, 2, 3, 1, 2),
  P('p2v3n1m1r2', 2, 3, 1, 1, 2),
  P('p3v2n1m1r2', 3, 2, 1, 1, 2),
];

export const ALL_CONFIGS: readonly BenchParams[] = [...BENCH_CONFIGS, ...SCALING_CONFIGS, ...EQUALITY_CONFIGS];

export const configNamed = (name: string): BenchParams | undefined => ALL_CONFIGS.find((c) => c.name === name);

/** Parse "name" or "procs,vpages,pfns,maxMapPages,refcountMax" (an ad-hoc config). */
export const parseConfig = (s: string): BenchParams => {
  const named = configNamed(s);
  if (named) return named;
  const m = /^p(\d+)v(\d+)n(\d+)m(\d+)r(\d+)$/.exec(s);
  if (m) return P(s, +m[1], +m[2], +m[3], +m[4], +m[5]);
  throw new Error(`unknown bench config '${s}' (known: ${[...new Set(ALL_CONFIGS.map((c) => c.name))].join(', ')}, or pPvVnNmMrR)`);
};
