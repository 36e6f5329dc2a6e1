/**
 * The checker counts some actions without running them (provablyNoop: no VMA in the range, no
 * gap for an mmap, no free slot for a fork, MADV_DONTFORK over VM_DONTCOPY VMAs only, the
 * refused advices). That is sound only if running them would change nothing: here every
 * action it skips, in every state of random walks over every command and fault, on every
 * design, is run anyway and must leave the state byte for byte as it was (and not be a bad
 * command, which the checker would not count).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandError, Kernel } from '../../models/kernel.ts';
import { enumerateActions, provablyNoop, type Action } from '../../src/checker/actions.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { Facts } from '../../src/reducer/facts.ts';
import { initialState } from '../../src/reducer/reduce.ts';
import { DESIGN_PRESETS } from '../../src/state/design.ts';
import { VF_DONTCOPY, VF_IN_VMA, layoutOf, pageOff, procOff } from '../../src/state/layout.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

const DESIGNS = DESIGN_PRESETS.map((p) => p.design);
const CONFIGS = ['full', 'split3', 'fork2', 'kernel2', 'cow'] as const;

/** Why provablyNoop skipped an action (for the coverage assertion). */
const reason = (a: Action, mapped: number): string =>
  a.alwaysNoop ? 'refused advice' : a.needsMapped !== 0 && (mapped & a.needsMapped) === 0 ? 'nothing mapped' : a.needsCopyable !== 0 ? 'all VM_DONTCOPY' : a.needsGap !== 0 ? 'no gap' : 'no free slot';

describe('provablyNoop', () => {
  it('skips only actions that change nothing, in every design', () => {
    const seen = new Map<string, number>();
    for (const name of CONFIGS) {
      const u = NAMED_CONFIGS[name].universe;
      const L = layoutOf(u);
      for (const d of DESIGNS) {
        const kernel = new Kernel(u, d);
        const actions = enumerateActions(u, d);
        const scratch = new Uint8Array(L.size);
        const facts = new Facts(u, L, d.kind === 'legacy' ? 'lineage' : 'ctx', scratch, null);
        const checkState = (s: Uint8Array, where: string): void => {
          let freeSlot = false;
          for (let p = 0; p < L.P; p++) if (s[procOff(L, p)] === 0) freeSlot = true;
          for (const a of actions) {
            if (a.slot < 0 || s[procOff(L, a.slot)] !== 1) continue;
            let m = 0;
            let dc = 0;
            for (let v = 0; v < L.V; v++) {
              const f = s[pageOff(L, a.slot, v)];
              if (f & VF_IN_VMA) m |= 1 << v;
              if (f & VF_DONTCOPY) dc |= 1 << v;
            }
            if (!provablyNoop(a, m, dc, L.V, freeSlot)) continue;
            const why = reason(a, m);
            seen.set(why, (seen.get(why) ?? 0) + 1);
            scratch.set(s);
            try {
              kernel.step(facts, a.cmd);
            } catch (e) {
              if (e instanceof CommandError) throw new Error(`${where}: skipped ${JSON.stringify(a.cmd)} (${why}) is a bad command: ${e.message}`);
              throw e;
            }
            for (let i = 0; i < L.size; i++)
              if (scratch[i] !== s[i]) throw new Error(`${where}: skipped ${JSON.stringify(a.cmd)} (${why}) changed byte ${i}: ${s[i]} -> ${scratch[i]}`);
          }
        };
        checkState(initialState(u), `${name}/${d.name} initial`);
        fc.assert(
          fc.property(fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), (choices) => {
            const run = walk(u, d, choices, kernel);
            run.states.forEach((s, i) => checkState(s, `${name}/${d.name} after ${i + 1} commands`));
          }),
          fcParams(40),
        );
      }
    }
    // every reason fired, so none of them is checked vacuously
    expect([...seen.keys()].sort()).toEqual(['all VM_DONTCOPY', 'no free slot', 'no gap', 'nothing mapped', 'refused advice']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(100);
  });
});
