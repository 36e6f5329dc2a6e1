/**
 * Every state reachable in a universe under a design, symmetry off, by breadth-first search
 * with the decider alone (no planner, no canonical form, no store): the ground truth the
 * exhaustive equality tests compare the checker's shortcuts with. States whose tree ran into
 * the universe's treeMax bound are kept out, as the checker keeps them out.
 */
import { CommandError, Kernel } from '../../models/kernel.ts';
import { enumerateActions, type Action } from '../../src/checker/actions.ts';
import { EventBuffer, evolveContext, initialState } from '../../src/reducer/evolve.ts';
import type { Design } from '../../src/state/design.ts';
import { BOUND_TREE, HDR_BOUND } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';

export interface Reachable {
  readonly states: readonly Uint8Array[];
  readonly actions: readonly Action[];
  readonly kernel: Kernel;
}

const hex = (s: Uint8Array): string => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');

export const reachable = (u: Universe, design: Design, limit = 200_000): Reachable => {
  const kernel = new Kernel(u, design);
  const actions = enumerateActions(u, design);
  kernel.prepare(actions.map((a) => a.cmd));
  const s0 = initialState(u);
  const states: Uint8Array[] = [s0];
  const seen = new Set<string>([hex(s0)]);
  const scratch = new Uint8Array(s0.length);
  const out = new EventBuffer(evolveContext(u, design), scratch);
  for (let i = 0; i < states.length; i++) {
    for (const a of actions) {
      scratch.set(states[i]);
      out.reset(scratch);
      try {
        kernel.stepAction(out, a.index);
      } catch (e) {
        if (e instanceof CommandError) continue;
        throw e;
      }
      if (scratch[HDR_BOUND] & BOUND_TREE) continue;
      const k = hex(scratch);
      if (seen.has(k)) continue;
      if (states.length >= limit) throw new Error(`${u.name}/${design.name}: more than ${limit} states`);
      seen.add(k);
      states.push(new Uint8Array(scratch));
    }
  }
  return { states, actions, kernel };
};
