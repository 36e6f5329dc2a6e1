/**
 * The checker counts some actions without running them (NoopFilter: no VMA in the range, no
 * gap for an mmap, no free slot for a fork, MADV_DONTFORK over VM_DONTCOPY VMAs only, the
 * refused advices and MREMAP_DONTUNMAP without MREMAP_FIXED, an mprotect starting in a hole
 * or asking every VMA it walks for the protection it has, an mremap growth of a VM_PFNMAP VMA). That is sound only if running them would change nothing: here every
 * action it skips, in every state of random walks over every command and fault, on every
 * design, is run anyway and must leave the state byte for byte as it was (and not be a bad
 * command, which the checker would not count).
 *
 * The search runs an ActionPlanner's plan: NoopFilter's skips, and twins (an action that does
 * exactly what an earlier action of the state does: munmap or MADV_DONTFORK over the same
 * mapped pages, mprotect walking the same pages). Here every twin is run beside the action it
 * is the twin of, and both must leave the same bytes; the plan must hold every runnable action
 * once, and a cached plan must be the plan the state would get afresh.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandError, Kernel } from '../../models/kernel.ts';
import {
  actionKeysOf,
  ActionPlanner,
  enumerateActions,
  NoopFilter,
  type Action,
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
import { layoutOf, procOff, type Layout } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';
import type { Design } from '../../src/state/design.ts';
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

/** What a check needs of one design on one config. */
interface Setup {
  readonly u: Universe;
  readonly L: Layout;
  readonly d: Design;
  readonly kernel: Kernel;
  readonly actions: readonly Action[];
  /** a fact sink writing into a fresh buffer */
  readonly sink: () => { readonly facts: Facts; readonly buf: Uint8Array };
}

/**
 * For every named config in CONFIGS and every design: make(setup) builds a state check, which
 * runs on the initial state and on every state of 40 random 12-command walks.
 */
const everyDesignState = (make: (setup: Setup) => (s: Uint8Array, where: string) => void): void => {
  for (const name of CONFIGS) {
    const u = NAMED_CONFIGS[name].universe;
    const L = layoutOf(u);
    for (const d of DESIGNS) {
      const kernel = new Kernel(u, d);
      const sink = () => {
        const buf = new Uint8Array(L.size);
        return { facts: new Facts(u, L, d.kind === 'legacy' ? 'lineage' : 'ctx', buf, null), buf };
      };
      const checkState = make({ u, L, d, kernel, actions: enumerateActions(u, d), sink });
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
};

describe('NoopFilter', () => {
  it('skips only actions that change nothing, in every design', () => {
    const seen = new Map<string, number>();
    everyDesignState(({ L, kernel, actions, sink }) => {
      const { facts, buf: scratch } = sink();
      const noop = new NoopFilter(L);
      return (s, where) => {
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
    });
    // every reason fired, so none of them is checked vacuously
    expect([...seen.keys()].sort()).toEqual(['DONTUNMAP without FIXED', 'PFNMAP cannot grow', 'all VM_DONTCOPY', 'no free slot', 'no gap', 'nothing mapped', 'refused advice', 'same prot']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(100);
  });
});

describe('ActionPlanner', () => {
  it('counts a twin only when it lands where the earlier action lands, in every design', () => {
    let twins = 0;
    const byKind = new Map<string, number>();
    everyDesignState(({ L, kernel, actions, sink }) => {
      const planner = new ActionPlanner(L, actions, actionKeysOf(actions).actionKey);
      const fresh = new NoopFilter(L);
      const one = sink();
      const two = sink();
      const runOn = (x: { facts: Facts; buf: Uint8Array }, s: Uint8Array, i: number): void => {
        x.buf.set(s);
        kernel.step(x.facts, actions[i].cmd);
      };
      return (s, where) => {
        const plan = planner.plan(s);
        fresh.load(s);
        const runnable = actions.filter((a) => fresh.runnable(a)).map((a) => a.index);
        const planned = [...plan.run, ...plan.counted].sort((x, y) => x - y);
        if (planned.join() !== runnable.join()) throw new Error(`${where}: the plan holds ${planned.join()}, the runnable actions are ${runnable.join()}`);
        const counted = new Set(plan.counted);
        const first = new Map<string, number>();
        for (const i of runnable) {
          const a = actions[i];
          const skipped = fresh.skip(a) !== 0;
          const twin = skipped ? null : fresh.sameAs(a);
          const earlier = twin === null ? undefined : first.get(twin);
          if (twin !== null && earlier === undefined) first.set(twin, i);
          // counted exactly when skipped or a twin of an earlier runnable action
          if (counted.has(i) !== (skipped || earlier !== undefined)) throw new Error(`${where}: ${JSON.stringify(a.cmd)} counted ${counted.has(i)}`);
          if (earlier === undefined) continue;
          runOn(one, s, earlier);
          runOn(two, s, i);
          for (let b = 0; b < L.size; b++)
            if (one.buf[b] !== two.buf[b])
              throw new Error(`${where}: ${JSON.stringify(a.cmd)} counted as a twin of ${JSON.stringify(actions[earlier].cmd)}, but byte ${b} differs: ${one.buf[b]} vs ${two.buf[b]}`);
          twins++;
          byKind.set(a.cmd.kind, (byKind.get(a.cmd.kind) ?? 0) + 1);
        }
      };
    });
    // twins of every kind were run, so the rule is not checked vacuously
    expect([...byKind.keys()].sort()).toEqual(['madvise', 'mprotect', 'munmap']);
    for (const n of byKind.values()) expect(n).toBeGreaterThan(100);
    expect(twins).toBeGreaterThan(1000);
  });
});
