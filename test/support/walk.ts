/** Random command walks for property tests, driven by a fast-check generated choice list. */
import { CommandError, Kernel } from '../../models/kernel.ts';
import { enumerateActions } from '../../src/checker/actions.ts';
import type { Command } from '../../src/events/commands.ts';
import { EventBuffer, evolveContext, initialState, unitContext } from '../../src/reducer/evolve.ts';
import type { Event } from '../../src/events/codecs.ts';
import type { Design } from '../../src/state/design.ts';
import { layoutOf, procOff } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';

export interface Walk {
  readonly commands: Command[];
  readonly events: Event[];
  /** the executor's state after each command */
  readonly states: Uint8Array[];
  /** index of the first event of each command */
  readonly firstEvent: number[];
}

/** Run choices[i] mod (enabled actions) as commands, logging every fact. */
export const walk = (u: Universe, d: Design, choices: readonly number[], kernel = new Kernel(u, d)): Walk => {
  const L = layoutOf(u);
  const actions = enumerateActions(u, d);
  const s = initialState(u);
  const events: Event[] = [];
  const sink = new EventBuffer(evolveContext(u, d), s);
  const uc = unitContext(u, d, kernel.commands);
  const out: Walk = { commands: [], events, states: [], firstEvent: [] };
  for (const c of choices) {
    const enabled = actions.filter((a) => a.slot < 0 || s[procOff(L, a.slot)] === 1);
    if (!enabled.length) break;
    const a = enabled[c % enabled.length];
    const first = events.length;
    try {
      sink.reset(s);
      kernel.exec(sink, a.cmd);
    } catch (e) {
      if (e instanceof CommandError) continue;
      throw e;
    }
    events.push(...sink.events(uc));
    out.commands.push(a.cmd);
    out.states.push(new Uint8Array(s));
    out.firstEvent.push(first);
  }
  return out;
};
