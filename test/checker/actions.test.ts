/**
 * The checker counts some actions without running them (NoopFilter: no VMA in the range, no
 * gap for an mmap, no free slot for a fork, MADV_DONTFORK over VM_DONTCOPY VMAs only, the
 * refused advices and MREMAP_DONTUNMAP without MREMAP_FIXED, an mprotect starting in a hole
 * or asking every VMA it walks for the protection it has, an mremap growth of a VM_PFNMAP VMA). That is sound only if running them would change nothing: here every
 * action it skips, in every state of random walks over every command and fault, on every
 * design, is run anyway and must leave the state byte for byte as it was (and not be a bad
 * command, which the checker would not count).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandError, Kernel } from '../../models/kernel.ts';
import {
  enumerateActions,
  NoopFilter,
  SKIP_ALL_DONTCOPY,
  SKIP_NO_FREE_SLOT,
  SKIP_NO_GAP,
  SKIP_NOTHING_MAPPED,
  SKIP_REFUSED_ADVICE,
  SKIP_SAME_PROT,
  SKIP_PFNMAP_NO_GROW,
  SKIP_DONTUNMAP_NOT_FIXED,
} from '../../src/checker/actions.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { Facts } from '../../src/reducer/facts.ts';
import { initialState } from '../../src/reducer/reduce.ts';
import { DESIGN_PRESETS } from '../../src/state/design.ts';
import { layoutOf, procOff } from '../../src/state/layout.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

const DESIGNS = DESIGN_PRESETS.map((p) => p.design);
const CONFIGS = ['full', 'split3', 'fork2', 'kernel2', 'cow'] as const;

const REASON: Record<number, string> = {
  [SKIP_REFUSED_ADVICE]: 'refused advice',
  [SKIP_NOTHING_MAPPED]: 'nothing mapped',
  [SKIP_ALL_DONTCOPY]: 'all VM_DONTCOPY',
  [SKIP_NO_GAP]: 'no gap',
  [SKIP_NO_FREE_SLOT]: 'no free slot',
  [SKIP_SAME_PROT]: 'same prot',
  [SKIP_PFNMAP_NO_GROW]: 'PFNMAP cannot grow',
  [SKIP_DONTUNMAP_NOT_FIXED]: 'DONTUNMAP without FIXED',
};

describe('NoopFilter', () => {
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
        const noop = new NoopFilter(L);
        const checkState = (s: Uint8Array, where: string): void => {
          noop.load(s);
          for (const a of actions) {
            if (a.slot < 0 || s[procOff(L, a.slot)] !== 1) continue;
            const code = noop.skip(a);
            if (code === 0) continue;
            const why = REASON[code];
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
    expect([...seen.keys()].sort()).toEqual(['DONTUNMAP without FIXED', 'PFNMAP cannot grow', 'all VM_DONTCOPY', 'no free slot', 'no gap', 'nothing mapped', 'refused advice', 'same prot']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(100);
  });
});
