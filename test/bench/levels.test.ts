/**
 * bench/ours.ts --levels and --repeat (bench/levels.ts) on a small bench universe: the
 * timeline's levels are the search's own (each level's size against searches bounded at each
 * depth), it says when the fast path ran and what it had traced, and repeated runs agree.
 */
import { describe, expect, it } from 'vitest';
import { benchUniverse, parseConfig } from '../../bench/configs.ts';
import { levelsRun, repeatedRuns } from '../../bench/levels.ts';
import type { StepsRunOptions } from '../../bench/steps.ts';
import { checkSync } from '../../src/checker/check.ts';
import { TRACKED } from '../../src/state/design.ts';

const universe = benchUniverse(parseConfig('p2v2n1m1r2'));
const options = (fastPath: boolean | 'auto'): StepsRunOptions => ({ universe, design: TRACKED, symmetry: false, exact: true, noInvariants: false, fastPath });

describe('the level timeline (bench/ours.ts --levels)', () => {
  it("gives each level's states as searches bounded at each depth count them", () => {
    const t = levelsRun(options(false));
    const whole = checkSync({ universe, design: TRACKED, symmetry: false });
    expect(t.verdict).toBe('PROVED');
    expect(t.distinct).toBe(whole.distinct);
    expect(t.levels.map((l) => l.depth)).toEqual(t.levels.map((_, i) => i));
    expect(t.levels.length).toBeGreaterThan(3);
    // the states within depth d are the levels 0..d
    let within = 0;
    for (const l of t.levels) {
      within += l.states;
      const bounded = checkSync({ universe, design: TRACKED, symmetry: false, depth: l.depth });
      expect(bounded.distinct, `depth ${l.depth}`).toBe(within);
    }
    expect(within).toBe(whole.distinct);
    for (let i = 1; i < t.levels.length; i++) expect(t.levels[i].seconds).toBeGreaterThanOrEqual(t.levels[i - 1].seconds);
    expect(t.seconds).toBeGreaterThanOrEqual(t.levels[t.levels.length - 1].seconds);
  });

  it('says where the steps ran: the general path throughout, or the fast path with what it traced and how many whole trees it compiled by each level', () => {
    const general = levelsRun(options(false));
    expect(general.levels.every((l) => !l.fastPath && l.paths === 0 && l.treeCompiles === 0)).toBe(true);
    expect([general.paths, general.treeCompiles]).toEqual([0, 0]);
    const fast = levelsRun(options(true));
    expect(fast.levels.map((l) => l.states)).toEqual(general.levels.map((l) => l.states));
    expect(fast.levels.every((l) => l.fastPath)).toBe(true);
    expect(fast.levels[0].paths).toBe(0);
    for (let i = 1; i < fast.levels.length; i++) {
      expect(fast.levels[i].paths).toBeGreaterThanOrEqual(fast.levels[i - 1].paths);
      expect(fast.levels[i].treeCompiles).toBeGreaterThanOrEqual(fast.levels[i - 1].treeCompiles);
    }
    expect(fast.paths).toBeGreaterThan(fast.levels[1].paths);
    // a tree is compiled whole once its pending paths reach MIN_PENDING and half its settled ones: fewer times than it has paths
    expect(fast.treeCompiles).toBeGreaterThan(0);
    expect(fast.treeCompiles).toBeLessThan(fast.paths);
  });
});

describe('repeated runs (bench/ours.ts --repeat)', () => {
  it('runs the search the number of times asked, each with the same counts as one check', () => {
    const one = checkSync({ universe, design: TRACKED, symmetry: false, fastPath: true });
    const r = repeatedRuns(options(true), 3);
    expect(r.runs).toHaveLength(3);
    for (const run of r.runs) {
      expect([run.distinct, run.generated]).toEqual([one.distinct, one.generated]);
      expect(run.seconds).toBeGreaterThan(0);
    }
  });
});
