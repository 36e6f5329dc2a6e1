/**
 * equality.test.ts for the VM_PAT eras: every legacy option set, on the small named configs
 * with the memtype tree bounded (VM_PAT leaks grow it without end: one entry in split3 and
 * kernel2, two in fork2, so that fork's second reservation happens). The state counts are
 * checked against the checker's own search of the same universe.
 */
import { describe, expect, it } from 'vitest';
import { checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { DESIGN_PRESETS } from '../../src/state/design.ts';
import { exhaustive } from '../support/exhaustive.ts';

/** one preset per distinct set of machine options (legacy@stable-6.1 has v6.15's) */
const ERAS = DESIGN_PRESETS.filter((p, i) => p.design.kind === 'legacy' && DESIGN_PRESETS.findIndex((q) => JSON.stringify(q.design.options) === JSON.stringify(p.design.options)) === i);

describe('one semantics on every state the checker expands (VM_PAT eras)', () => {
  it('covers every VM_PAT option set', () => expect(ERAS.map((e) => e.name)).toEqual(['legacy@v6.1', 'legacy@v6.9', 'legacy@v6.15-rc1', 'legacy@v6.15']));
  for (const era of ERAS)
    for (const [config, treeMax] of [
      ['tiny', undefined],
      ['split3', 1],
      ['fork2', 2],
      ['kernel2', 1],
    ] as const)
      it(`${config}${treeMax ? ` (treeMax ${treeMax})` : ''} / ${era.name}`, () => {
        const base = NAMED_CONFIGS[config].universe;
        const u = treeMax ? { ...base, treeMax } : base;
        const r = exhaustive(u, era.design);
        expect(r.states).toBe(checkSync({ universe: u, design: era.design, invariants: [], workers: 1 }).distinct);
        expect(r.run).toBeGreaterThan(0);
        expect(r.twins).toBeGreaterThan(0);
      });
});
