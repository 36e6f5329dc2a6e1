/**
 * Run a command sequence through the decider: the event log and each command's result.
 * (Composition of models/ and src/; replay then judges the log.)
 */
import { CommandError, Kernel, type StepResult } from '../../models/kernel.ts';
import type { Command } from '../events/commands.ts';
import type { Event } from '../events/codecs.ts';
import { EventBuffer, evolveContext, initialState, unitContext } from '../reducer/evolve.ts';
import type { Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';

export interface RunStep {
  readonly cmd: Command;
  readonly result: StepResult;
  /** index of the step's first event in the log */
  readonly firstEvent: number;
  /** the state after the step */
  readonly state: Bytes;
}

export interface Run {
  readonly steps: readonly RunStep[];
  readonly events: readonly Event[];
  /** a command the universe cannot represent stops the run */
  readonly error?: { readonly step: number; readonly message: string };
}

export const runCommands = (u: Universe, design: Design, commands: readonly Command[], kernel?: Kernel): Run => {
  const k = kernel ?? new Kernel(u, design);
  const s = initialState(u);
  const events: Event[] = [];
  const out = new EventBuffer(evolveContext(u, design), s);
  const uc = unitContext(u, design, k.commands);
  const steps: RunStep[] = [];
  for (let i = 0; i < commands.length; i++) {
    const firstEvent = events.length;
    const before = new Uint8Array(s);
    try {
      out.reset(s);
      const result = k.exec(out, commands[i]);
      events.push(...out.events(uc));
      steps.push({ cmd: commands[i], result, firstEvent, state: new Uint8Array(s) });
    } catch (e) {
      if (e instanceof CommandError) {
        s.set(before);
        return { steps, events, error: { step: i, message: e.message } };
      }
      throw e;
    }
  }
  return { steps, events };
};
