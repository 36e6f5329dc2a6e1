/**
 * Run a command sequence through the kernel executor with a logging fact sink: the event log
 * and each command's result. (Composition of models/ and src/; replay then judges the log.)
 */
import { CommandError, Kernel, type StepResult } from '../../models/kernel.ts';
import type { Command } from '../events/commands.ts';
import type { Event } from '../events/codecs.ts';
import { Facts } from '../reducer/facts.ts';
import { initialState } from '../reducer/reduce.ts';
import type { Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import { layoutOf } from '../state/layout.ts';
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
  const L = layoutOf(u);
  const k = kernel ?? new Kernel(u, design);
  const s = initialState(u);
  const events: Event[] = [];
  const facts = new Facts(u, L, design.kind === 'legacy' ? 'lineage' : 'ctx', s, events);
  const steps: RunStep[] = [];
  for (let i = 0; i < commands.length; i++) {
    const firstEvent = events.length;
    try {
      const result = k.exec(facts, commands[i]);
      steps.push({ cmd: commands[i], result, firstEvent, state: new Uint8Array(s) });
    } catch (e) {
      if (e instanceof CommandError) {
        events.length = firstEvent;
        return { steps, events, error: { step: i, message: e.message } };
      }
      throw e;
    }
  }
  return { steps, events };
};
