/**
 * Pinned results of the named configs (src/checker/configs.ts): verdict, distinct states and
 * depth per design, with symmetry reduction on and off. A change here is a change of the
 * state space: review it.
 */
import { describe, expect, it } from 'vitest';
import { checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

const suite = Object.entries(NAMED_CONFIGS).filter(([, c]) => c.inSuite);

describe('pinned configs', () => {
  for (const [name, c] of suite) {
    for (const [design, pin] of Object.entries(c.pins))
      it(`${name} on ${design}: ${pin.verdict}, ${pin.distinct} states, depth ${pin.depth}`, () => {
        const r = checkSync({ universe: c.universe, design: parseDesign(design) as Design });
        expect({ verdict: r.verdict, distinct: r.distinct, depth: r.depth, invariant: r.violation?.invariant }).toEqual({
          verdict: pin.verdict,
          distinct: pin.distinct,
          depth: pin.depth,
          invariant: pin.invariant,
        });
      });
    for (const [design, pin] of Object.entries(c.pinsNoSymmetry ?? {}))
      it(`${name} on ${design} without symmetry reduction: ${pin.distinct} states`, () => {
        const r = checkSync({ universe: c.universe, design: parseDesign(design) as Design, symmetry: false });
        expect({ verdict: r.verdict, distinct: r.distinct, depth: r.depth }).toEqual({ verdict: pin.verdict, distinct: pin.distinct, depth: pin.depth });
        expect(c.pins[design].distinct).toBeLessThanOrEqual(pin.distinct);
      });
  }
});
