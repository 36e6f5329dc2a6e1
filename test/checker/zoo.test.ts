/**
 * The bug zoo (src/checker/zoo.ts): each bug found on its own in the presets where it existed,
 * by the invariant it breaks, and gone (or moved) in the fixed presets; every counterexample
 * replays to the same violation.
 */
import { describe, expect, it } from 'vitest';
import { checkSync } from '../../src/checker/check.ts';
import { ZOO } from '../../src/checker/zoo.ts';
import { encodeLog, parseLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

describe('bug zoo', () => {
  for (const z of ZOO)
    for (const c of z.cases)
      it(`bug ${z.bug} on ${c.design}: ${c.expect}`, () => {
        const d = parseDesign(c.design) as Design;
        const r = checkSync({ universe: z.universe, design: d });
        if (c.expect === 'PROVED') {
          expect(r.verdict).toBe('PROVED');
          return;
        }
        expect(r.verdict).toBe('VIOLATION');
        expect(r.violation!.invariant).toBe(c.expect);
        const rep = replay(parseLog(encodeLog(d, z.universe, r.violation!.events)));
        expect(rep.rejection).toBeUndefined();
        expect(rep.violations.find((v) => v.invariant === c.expect)?.step).toBe(r.violation!.depth);
      });
});
