/**
 * Every seeded bug (models/mutants.ts) is caught by the invariant it targets, with a shortest
 * counterexample that replays to the same violation.
 */
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../invariants/index.ts';
import { MUTANTS } from '../../models/mutants.ts';
import { checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { encodeLog, parseLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

/** a config whose commands reach the mutated code */
const CONFIG: Record<string, string> = { 'zap-puts-kref': 'kernel2' };

describe('mutants', () => {
  for (const m of MUTANTS)
    it(`${m.name} is caught by ${m.targets}`, () => {
      const u = NAMED_CONFIGS[CONFIG[m.name] ?? 'split3'].universe;
      const design = parseDesign(m.design ?? 'tracked') as Design;
      const r = checkSync({ universe: u, design, mutant: m.name, invariants: [m.targets], continueOn: [] });
      expect(r.verdict).toBe('VIOLATION');
      const v = r.violation!;
      expect(v.invariant).toBe(m.targets);
      const rep = replay(parseLog(encodeLog(design, u, v.events)), [m.targets]);
      expect(rep.rejection).toBeUndefined();
      const again = [...rep.violations, ...rep.quality].find((x) => x.invariant === m.targets);
      expect(again?.step).toBe(v.depth);
      // the mutated tables drive the generated fast path too (src/checker/fastPath.ts): the same violation, trace and counts
      const fast = checkSync({ universe: u, design, mutant: m.name, invariants: [m.targets], continueOn: [], fastPath: true });
      const seen = (x: typeof r) => ({ verdict: x.verdict, distinct: x.distinct, generated: x.generated, violation: x.violation });
      expect(seen(fast)).toEqual(seen(r));
      // (the unmutated kernel proves the same configs: test/checker/configs.test.ts)
    });
  it('every invariant has a mutant', () => {
    const targeted = new Set(MUTANTS.map((m) => m.targets));
    for (const i of INVARIANTS) expect(targeted, i.name).toContain(i.name);
  });
});
