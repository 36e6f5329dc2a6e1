/**
 * Pieces of a CheckResult that the sequential search (bfs.ts) and the parallel one
 * (parallel.ts) compute the same way.
 */
import type { CompiledMachine } from '../../models/compile.ts';
import type { CheckResult, Counterexample, Verdict } from './bfs.ts';
import type { Reachability } from './reachability.ts';
import type { Invariant } from '../../invariants/invariant.ts';
import type { Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { collisionProbability } from '../engine/fingerprint.ts';

/** A violation a search found: the state it was found in, the invariant, its message. */
export interface Found {
  readonly id: number;
  readonly invariant: Invariant;
  readonly message: string;
}

/**
 * The end of a result, the same for both searches: the bounds, what stopped the search, the
 * counterexamples (each Found rebuilt by `rebuild`), coverage and reachability.
 */
export const outcomeOf = (o: {
  readonly bounds: CheckResult['bounds'];
  readonly stoppedBy: CheckResult['stoppedBy'];
  readonly found: Found | null;
  readonly quality: Iterable<Found>;
  readonly rebuild: (f: Found) => Counterexample;
  readonly commands: Readonly<Record<string, number>>;
  readonly machines: CheckResult['coverage']['machines'];
  readonly reach: readonly Reachability[];
  readonly reachedAt: readonly (number | undefined)[];
}): Pick<CheckResult, 'bounds' | 'stoppedBy' | 'violation' | 'brokenQuality' | 'coverage' | 'reachability'> => ({
  bounds: o.bounds,
  stoppedBy: o.stoppedBy,
  violation: o.found ? o.rebuild(o.found) : undefined,
  brokenQuality: [...o.quality].map(o.rebuild),
  coverage: coverageOf(o.commands, o.machines),
  reachability: reachabilityOf(o.reach, o.reachedAt),
});

/** The verdict of a search that ended (see Verdict), the same for both searches. */
export const verdictOf = (violation: boolean, stoppedBy: CheckResult['stoppedBy'], depthCut: boolean, treeBoundHits: number): Verdict =>
  violation ? 'VIOLATION' : stoppedBy ? 'STOPPED' : depthCut ? 'NO_VIOLATION_UP_TO_DEPTH' : treeBoundHits > 0 ? 'NO_VIOLATION_WITHIN_BOUNDS' : 'PROVED';

/** The compiled machines the coverage report lists, in its order. */
export const MACHINES = ['syscall', 'vma', 'kref', 'memtype', 'patInfo'] as const;

/** A machine's edge coverage from its hit counts (one per edge). */
export const machineCoverageOf = (m: CompiledMachine, hits: ArrayLike<number>): CheckResult['coverage']['machines'][number] => {
  let fired = 0;
  let withFacts = 0;
  const never: string[] = [];
  m.edges.forEach((e, i) => {
    if (hits[i]) fired++;
    if (e.emitted.length) {
      withFacts++;
      if (!hits[i]) {
        const st = m.snapshots[Math.floor(i / m.alphabet.length)].value;
        never.push(`${JSON.stringify(st)} --${JSON.stringify(m.alphabet[i % m.alphabet.length])}--> ${e.emitted.map((x) => x.type).join(',')}`);
      }
    }
  });
  return { machine: m.id, edgesFired: fired, edgesWithFacts: withFacts, neverFired: never };
};

/** The coverage part of a result: commands fired by kind (and those never fired), machine edges. */
export const coverageOf = (commands: Readonly<Record<string, number>>, machines: CheckResult['coverage']['machines']): CheckResult['coverage'] => ({
  commands,
  commandsNeverFired: Object.entries(commands)
    .filter(([, n]) => n === 0)
    .map(([k]) => k),
  machines,
});

/** The reachability part of a result: each property, and the depth it was first reached at. */
export const reachabilityOf = (reach: readonly Reachability[], reachedAt: readonly (number | undefined)[]): CheckResult['reachability'] =>
  reach.map((r, i) => ({ name: r.name, description: r.description, reached: reachedAt[i] !== undefined, depth: reachedAt[i] }));

/** What a result says about the search it was (design, config, invariants, storage), the same for both searches. */
export const searchOf = (
  u: Universe,
  design: Design,
  invs: readonly Invariant[],
  continueOn: ReadonlySet<string>,
  symmetry: boolean,
  exact: boolean,
  distinct: number,
  executor: CheckResult['executor'],
): Pick<CheckResult, 'design' | 'config' | 'invariants' | 'stopOn' | 'symmetry' | 'storage' | 'collisionProbability' | 'executor'> => ({
  design: design.name,
  config: u.name,
  invariants: invs.map((i) => i.name),
  stopOn: invs.filter((i) => !continueOn.has(i.name)).map((i) => i.name),
  symmetry,
  storage: exact ? 'exact' : 'fingerprint',
  collisionProbability: exact ? 0 : collisionProbability(distinct),
  executor,
});

/** A visited set's parent links (the sequential store's or the shared one's). */
export interface Links {
  parentOf(id: number): number;
  actionOf(id: number): number;
}

/** The action indices from the initial state to state id, along its parent links (each read once). */
export const actionPath = (links: Links, id: number): number[] => {
  const path: number[] = [];
  for (let x = id, p = links.parentOf(x); p >= 0; x = p, p = links.parentOf(x)) path.push(links.actionOf(x));
  return path.reverse();
};
