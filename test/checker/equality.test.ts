/**
 * One semantics, shown exhaustively (test/support/exhaustive.ts): on the small named configs,
 * for every state the checker expands and every action in it, the bytes the decider leaves are
 * its events applied again from the parent, each event accepted by replay's checks and
 * unchanged by the log form; and every action the planner counts without running changes
 * nothing, by the syscall machine's answer and by the call's body alike, or lands where the
 * earlier action it is the twin of lands. The ctx-tracked
 * designs here; the VM_PAT eras in equalityLegacy.test.ts (two files: vitest runs them on both
 * cores).
 */
import { describe, expect, it } from 'vitest';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { Kernel } from '../../models/kernel.ts';
import { exhaustive } from '../support/exhaustive.ts';

const design = (n: string): Design => parseDesign(n) as Design;

describe('one semantics on every state the checker expands (ctx tracking)', () => {
  for (const [config, name] of [
    ['tiny', 'tracked'],
    ['kernel2', 'tracked'],
    ['fork2', 'tracked'],
    ['split3', 'tracked'],
    ['kernel2', 'precise'],
    ['split3', 'precise'],
  ] as const)
    it(`${config} / ${name}`, () => {
      const c = NAMED_CONFIGS[config];
      const r = exhaustive(c.universe, design(name));
      // an independent search: it finds the states the checker's pin counts (configs.ts)
      expect(r.states).toBe(c.pins[name].distinct);
      expect(r.run).toBeGreaterThan(0);
      expect(r.noChange).toBeGreaterThan(0);
      expect(r.twins).toBeGreaterThan(0);
    });

  it('a planted difference in the twin rule is found', () => {
    const c = NAMED_CONFIGS.split3;
    const d = design('tracked');
    const kernel = new Kernel(c.universe, d);
    const twinKey = kernel.twinKey.bind(kernel);
    // the pages left out of the key: two munmaps of different mapped pages taken for twins
    kernel.twinKey = (i, m, edge) => twinKey(i, m, edge)?.replace(/ \d+$/, '') ?? null;
    expect(() => exhaustive(c.universe, d, kernel)).toThrow(/twin of action \d+ .*but its successor or notes differ/);
  });
});
