/**
 * The engine on toy models whose counts are known in closed form (test/engine/models/): the
 * sequential search, and the parallel one on 2 and 3 workers, in exact and fingerprint
 * storage, must give those counts, and the parallel results must equal the sequential ones
 * (time, memory and disk aside). Where each number comes from is said beside it.
 */
import { describe, expect, it } from 'vitest';
import type { Model, ModelSpec } from '../../src/engine/model.ts';
import type { SearchResult, Trace } from '../../src/engine/result.ts';
import { runSync, search, type SearchOptions } from '../../src/engine/search.ts';
import { Counters, countersSpec, type CountersArgs } from './models/counters.ts';
import { Permutations, permutationsSpec, type PermutationsArgs } from './models/permutations.ts';

/** C(a, b) */
const binom = (a: number, b: number): number => {
  let r = 1;
  for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
  return Math.round(r);
};
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
/** Vectors of n counters in [0, k) with sum at most d, for d < k: C(d + n, n) (stars and bars). */
const sumAtMost = (n: number, k: number, d: number): number => {
  if (d >= k) throw new Error('stars and bars without the upper bound needs d < k');
  return binom(d + n, n);
};
/** The coefficients of the product of (1 + q + ... + q^(m-1)) over the given m. */
const productOfRuns = (ms: readonly number[]): number[] => {
  let p = [1];
  for (const m of ms) {
    const next = new Array<number>(p.length + m - 1).fill(0);
    p.forEach((c, d) => {
      for (let j = 0; j < m; j++) next[d + j] += c;
    });
    p = next;
  }
  return p;
};
/** The Mahonian numbers: permutations of n with d inversions, the coefficients of prod_{i=1..n} (1 + q + ... + q^(i-1)). */
const mahonian = (n: number): number[] => productOfRuns(Array.from({ length: n }, (_, i) => i + 1));
/** Vectors of n counters in [0, k) by their sum d: the coefficients of (1 + q + ... + q^(k-1))^n. */
const bySum = (n: number, k: number): number[] => productOfRuns(new Array<number>(n).fill(k));
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

interface Case {
  readonly name: string;
  readonly model: () => Model;
  readonly spec: ModelSpec;
  readonly opts: SearchOptions;
  /** the closed-form expectations, on any run of the case */
  readonly check: (r: SearchResult, m: Model) => void;
}

/** The cases of one toy model: its arguments, the search options, the expectations. */
const caseOf =
  <A>(kind: string, make: (args: A) => Model, specOf: (args: A) => ModelSpec) =>
  (args: A, opts: SearchOptions, check: Case['check']): Case => ({ name: `${kind} ${JSON.stringify(args)} ${JSON.stringify(opts)}`, model: () => make(args), spec: specOf(args), opts, check });
const counters = caseOf('counters', (a: CountersArgs) => new Counters(a), countersSpec);
const permutations = caseOf('permutations', (a: PermutationsArgs) => new Permutations(a), permutationsSpec);

const run = (c: Case, workers: number, exact: boolean): SearchResult => runSync(search(c.model(), { ...c.opts, workers, exact, yieldEvery: 1 << 30 }, c.spec));

/** Everything but time, memory, disk and the storage mode's own figures. */
const comparable = (r: SearchResult): Record<string, unknown> => {
  const { seconds, statesPerSecond, storeBytes, bytesPerState, peakHeapBytes, diskBytes, storage, collisionProbability, ...rest } = r;
  void seconds, statesPerSecond, storeBytes, bytesPerState, peakHeapBytes, diskBytes, storage, collisionProbability;
  return { ...rest, modelCounters: [...rest.modelCounters] };
};

/** The state a trace leads to, stepped through the model from its initial state. */
const replayTrace = (m: Model, t: Trace): Uint8Array => {
  let s = m.initialStates()[t.initial].slice();
  for (const a of t.actions) {
    const out = new Uint8Array(m.stateBytes);
    m.step(s, a, out);
    s = out;
  }
  return m.canonicalize(s);
};

const CASES: Case[] = [
  // n counters mod k: k^n states; the deepest, every counter at k - 1, is n(k - 1) increments
  // away; every state has n actions, all changing it: n k^n transitions; each action wraps in
  // the k^(n-1) states where its counter is k - 1: n k^(n-1) wraps. Counter 0 first reaches
  // k - 1 at depth k - 1, and the first wrap is a step from there: depth k.
  counters({ n: 3, k: 4 }, {}, (r) => {
    expect(r.verdict).toBe('PROVED');
    expect(r.distinct).toBe(4 ** 3);
    expect(r.depth).toBe(3 * 3);
    expect(r.generated).toBe(3 * 4 ** 3);
    expect(r.actionCounts).toEqual({ increment: 3 * 4 ** 3 });
    expect([...r.modelCounters]).toEqual([3 * 4 ** 2]);
    expect(r.reachability.map((x) => [x.name, x.depth])).toEqual([
      ['first-at-top', 3],
      ['wrapped', 4],
    ]);
  }),
  // bigger than a store segment (65,536 states): 7^6 = 117,649 states, depth 6 x 6, 6 x 7^6 transitions
  counters({ n: 6, k: 7 }, {}, (r) => {
    expect(r.distinct).toBe(7 ** 6);
    expect(r.depth).toBe(6 * 6);
    expect(r.generated).toBe(6 * 7 ** 6);
    expect([...r.modelCounters]).toEqual([6 * 7 ** 5]);
  }),
  // sorting the counters: the multisets of n values out of k, C(n + k - 1, n) of them; the
  // deepest is still all at k - 1; each representative is expanded by its n actions
  counters({ n: 4, k: 5, symmetry: true }, {}, (r) => {
    expect(r.distinct).toBe(binom(4 + 5 - 1, 4));
    expect(r.depth).toBe(4 * 4);
    expect(r.generated).toBe(4 * binom(4 + 5 - 1, 4));
  }),
  // depth bound 2 (< k): the vectors with sum <= 2, C(2 + 3, 3); those with sum <= 1 are expanded
  counters({ n: 3, k: 4 }, { depth: 2 }, (r) => {
    expect(r.verdict).toBe('NO_VIOLATION_UP_TO_DEPTH');
    expect(r.depthBound).toBe(2);
    expect(r.distinct).toBe(sumAtMost(3, 4, 2));
    expect(r.depth).toBe(2);
    expect(r.generated).toBe(3 * sumAtMost(3, 4, 1));
  }),
  // the states limit: the search stops after the state whose successors reach it (at most n new each)
  counters({ n: 3, k: 4 }, { maxStates: 30 }, (r) => {
    expect(r.verdict).toBe('STOPPED');
    expect(r.stoppedBy).toBe('states');
    expect(r.distinct).toBeGreaterThanOrEqual(30);
    expect(r.distinct).toBeLessThan(30 + 3);
  }),
  // a safety invariant sum < 4: level d holds the vectors of sum d (d < k: no wrap), so the
  // first violation is the first state of level 4, after the C(3 + 3, 3) states of sum <= 3;
  // the quality invariant counter0 < 2 breaks first at [2, 0, 0], two increments of counter 0,
  // and does not stop the search; the violating state [4, 0, 0] (the first of level 4: BFS
  // takes counter 0 first) has counter 0 at k - 1
  counters({ n: 3, k: 5, sumBelow: 4, firstBelow: 2 }, {}, (r, m) => {
    expect(r.verdict).toBe('VIOLATION');
    expect(r.stopOn).toEqual(['sum-below']);
    expect(r.distinct).toBe(sumAtMost(3, 5, 3) + 1);
    expect(r.depth).toBe(4);
    expect(r.violation!.name).toBe('sum-below');
    expect(r.violation!.trace).toEqual({ initial: 0, actions: [0, 0, 0, 0] });
    expect(m.invariants[r.violation!.invariant].check(replayTrace(m, r.violation!.trace))).toBe(r.violation!.message);
    expect(r.quality.map((q) => [q.name, q.trace.actions])).toEqual([['first-below', [0, 0]]]);
    expect(r.reachability.map((x) => [x.name, x.depth])).toEqual([
      ['first-at-top', 4],
      ['wrapped', undefined],
    ]);
  }),
  // the same invariants, none stopping: a full search (k^n states) with both recorded, in the order found
  counters({ n: 3, k: 5, sumBelow: 4, firstBelow: 2 }, { continueOn: ['sum-below', 'first-below'] }, (r) => {
    expect(r.verdict).toBe('PROVED');
    expect(r.distinct).toBe(5 ** 3);
    expect(r.quality.map((q) => [q.name, q.trace.actions.length])).toEqual([
      ['first-below', 2],
      ['sum-below', 4],
    ]);
  }),
  // a model bound: successors with sum > 2 are cut. Kept: the C(2 + 3, 3) vectors of sum <= 2;
  // cut: every increment from the C(2 + 2, 2) vectors of sum exactly 2 (none at k - 1 = 4)
  counters({ n: 3, k: 5, bound: 2 }, {}, (r) => {
    expect(r.verdict).toBe('NO_VIOLATION_WITHIN_BOUNDS');
    expect(r.distinct).toBe(sumAtMost(3, 5, 2));
    expect(r.cut).toBe(3 * binom(2 + 2, 2));
    expect(r.generated).toBe(3 * sumAtMost(3, 5, 2));
    // nothing reaches k - 1 under the bound: neither property is reached
    expect(r.reachability.map((x) => x.reached)).toEqual([false, false]);
  }),
  // resets (a reset never shortens a path from 0): still k^n states and depth n(k - 1), 2n
  // transitions a state; a plan that counts the resets of zero counters without running them
  // gives the same figures as running them
  ...(['all', 'skip'] as const).map((plan) =>
    counters({ n: 3, k: 4, resets: true, plan }, {}, (r) => {
      expect(r.distinct).toBe(4 ** 3);
      expect(r.depth).toBe(3 * 3);
      expect(r.generated).toBe(6 * 4 ** 3);
      expect(r.actionCounts).toEqual({ increment: 3 * 4 ** 3, reset: 3 * 4 ** 3 });
    }),
  ),
  // the violation of sum < 4 with resets, under both plans: the stop falls inside a state's
  // actions, with counted resets before and after it (checked equal across plans below)
  ...(['all', 'skip'] as const).map((plan) =>
    counters({ n: 3, k: 5, resets: true, plan, sumBelow: 4 }, {}, (r) => {
      expect(r.verdict).toBe('VIOLATION');
      expect(r.distinct).toBe(sumAtMost(3, 5, 3) + 1);
      expect(r.violation!.trace.actions).toEqual([0, 0, 0, 0]);
    }),
  ),
  // several initial states: the duplicate is dropped; [3, 0] is one increment from sum 4; the
  // zero vector's two successors come first in BFS order
  counters({ n: 2, k: 5, sumBelow: 4, initial: [[0, 0], [3, 0], [0, 0]] }, {}, (r) => {
    expect(r.verdict).toBe('VIOLATION');
    expect(r.violation!.trace).toEqual({ initial: 1, actions: [0] });
    expect(r.distinct).toBe(2 + 2 + 1);
  }),
  // permutations of n by adjacent swaps: n! states, n - 1 actions each; BFS level d holds the
  // permutations with d inversions (Mahonian numbers), the last is the reversal at n(n - 1)/2
  ...[4, 5, 8].map((n) =>
    permutations({ n }, {}, (r) => {
      expect(r.verdict).toBe('PROVED');
      expect(r.distinct).toBe(factorial(n));
      expect(mahonian(n).length - 1).toBe((n * (n - 1)) / 2);
      expect(r.depth).toBe((n * (n - 1)) / 2);
      expect(r.generated).toBe((n - 1) * factorial(n));
    }),
  ),
  // depth bound 3: the permutations with at most 3 inversions; those with at most 2 are expanded
  permutations({ n: 5 }, { depth: 3 }, (r) => {
    expect(r.verdict).toBe('NO_VIOLATION_UP_TO_DEPTH');
    expect(r.distinct).toBe(sum(mahonian(5).slice(0, 4)));
    expect(r.generated).toBe(4 * sum(mahonian(5).slice(0, 3)));
  }),
  permutations({ n: 5 }, { maxStates: 50 }, (r) => {
    expect(r.stoppedBy).toBe('states');
    expect(r.distinct).toBeGreaterThanOrEqual(50);
    expect(r.distinct).toBeLessThan(50 + 4);
  }),
];

/** Every case on this many workers, exact and fingerprint: the closed forms, and the sequential result. */
const parallelMatches = (workers: number): void => {
  for (const c of CASES)
    for (const exact of [true, false]) {
      const seq = run(c, 1, exact);
      const par = run(c, workers, exact);
      c.check(par, c.model());
      expect(comparable(par), `${c.name} exact ${exact}`).toEqual(comparable(seq));
    }
};

describe('the engine on toy models with closed-form counts', () => {
  it('the sequential search, exact and fingerprint storage', () => {
    for (const c of CASES) {
      const exact = run(c, 1, true);
      c.check(exact, c.model());
      const fp = run(c, 1, false);
      c.check(fp, c.model());
      expect(fp.storage, c.name).toBe('fingerprint');
      expect(comparable(fp), c.name).toEqual(comparable(exact));
    }
  });

  it("a plan's counted actions give the figures of running them, a stop inside a state included", () => {
    for (const sumBelow of [undefined, 4]) {
      const [all, skip] = (['all', 'skip'] as const).map((plan) => runSync(search(new Counters({ n: 3, k: 5, resets: true, plan, sumBelow }), {})));
      expect(comparable(skip)).toEqual(comparable(all));
    }
  });

  it('the parallel search on 2 workers gives the sequential results', () => parallelMatches(2));

  it('the model is told each level before it is expanded: the whole level in one thread, a share of it per worker', () => {
    // the level of a vector of counters is its sum (counters.ts): levels 0 to n(k - 1) hold bySum(n, k)
    const args: CountersArgs = { n: 3, k: 5, levels: true };
    const sizes = bySum(3, 5);
    expect(sum(sizes)).toBe(5 ** 3);
    const one = new Counters(args);
    const seq = runSync(search(one, { workers: 1 }));
    expect(one.levelsAhead).toEqual(sizes);
    expect([...seq.modelCounters]).toEqual([5 ** 3]);
    // each of W workers is told ceil(size / W) of every level; the counters are summed over the workers
    for (const workers of [2, 3]) {
      const par = runSync(search(new Counters(args), { workers }, countersSpec(args)));
      expect([...par.modelCounters], `${workers} workers`).toEqual([sum(sizes.map((size) => workers * Math.ceil(size / workers)))]);
    }
  });

  it('the parallel search in windows of positions (a small BFS key space) gives the sequential results', () => {
    for (const c of CASES) {
      const keySpace = 2 * c.model().actionCount;
      const seq = run(c, 1, true);
      // windows of 2 positions cost a round each: the small cases only
      if (seq.distinct > 1000) continue;
      const par = runSync(search(c.model(), { ...c.opts, workers: 2, keySpace }, c.spec));
      expect(comparable(par), c.name).toEqual(comparable(seq));
    }
  });

  // last: a pool of another size replaces the cached one
  it('the parallel search on 3 workers gives the sequential results', () => parallelMatches(3));
});
