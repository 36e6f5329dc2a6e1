/**
 * Random simulation: walks of commands chosen uniformly among the universe's actions whose
 * address space is alive, every invariant checked after every step. A violating walk is run
 * again and its events decoded, so it comes back as an event log.
 */
import { CommandError, Kernel } from '../../models/kernel.ts';
import { invariantsFor } from '../../invariants/index.ts';
import type { Command } from '../events/commands.ts';
import { EventBuffer, evolveContext, initialState } from '../reducer/evolve.ts';
import type { Design } from '../state/design.ts';
import { stateText, type View } from '../state/describe.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf, procOff } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { runCommands } from '../scenarios/run.ts';
import { Rng } from '../util/random.ts';
import { enumerateActions } from './actions.ts';
import type { Counterexample } from './check.ts';

export interface SimulateOptions {
  readonly universe: Universe;
  readonly design: Design;
  readonly walks: number;
  readonly steps: number;
  readonly seed: number;
  readonly invariants?: readonly string[];
}

export interface SimulateResult {
  readonly walks: number;
  readonly steps: number;
  readonly seed: number;
  readonly violation?: Counterexample & { readonly walk: number };
}

export const simulate = (o: SimulateOptions): SimulateResult => {
  const u = o.universe;
  const L = layoutOf(u);
  const w: View = { u, L, design: o.design };
  const kernel = new Kernel(u, o.design);
  const actions = enumerateActions(u, o.design);
  const invs = invariantsFor(o.design).filter((i) => i.kind === 'safety' && (!o.invariants || o.invariants.includes(i.name)));
  const rng = new Rng(o.seed);
  let total = 0;
  for (let walk = 0; walk < o.walks; walk++) {
    const s = initialState(u);
    const out = new EventBuffer(evolveContext(u, o.design), s);
    const cmds: Command[] = [];
    for (let step = 0; step < o.steps; step++) {
      const enabled = actions.filter((a) => a.slot < 0 || s[procOff(L, a.slot)] === 1);
      if (!enabled.length) break;
      const a = enabled[rng.below(enabled.length)];
      try {
        out.reset(s);
        kernel.exec(out, a.cmd);
      } catch (e) {
        if (e instanceof CommandError) continue;
        throw e;
      }
      cmds.push(a.cmd);
      total++;
      // the universe's treeMax bound: this walk leaves the universe, end it
      if (s[HDR_BOUND] & BOUND_TREE) break;
      for (const inv of invs) {
        const msg = inv.check(w, s);
        if (msg === null) continue;
        const run = runCommands(u, o.design, cmds);
        return {
          walks: walk + 1,
          steps: total,
          seed: o.seed,
          violation: {
            walk,
            invariant: inv.name,
            message: msg,
            commands: cmds,
            events: run.events,
            finalState: stateText(w, s),
            depth: cmds.length,
            alsoBroken: invariantsFor(o.design)
              .filter((i) => i.check(w, s) !== null)
              .map((i) => i.name),
          },
        };
      }
    }
  }
  return { walks: o.walks, steps: total, seed: o.seed };
};
