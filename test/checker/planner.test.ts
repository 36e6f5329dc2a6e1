/**
 * The action planner's cache of plans (src/checker/actions.ts): over every state a small
 * config's search expands, the cached plan is the plan made afresh for that state, each
 * distinct page mask is planned once while the table has room, and a table held small enough
 * to fill (and so to replace plans) still answers every state right.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../models/kernel.ts';
import { PageMasks } from '../../models/pageMasks.ts';
import { ActionPlanner, type ActionPlan } from '../../src/checker/actions.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { PfnmapModel } from '../../src/checker/model.ts';
import { STEP_CHANGED } from '../../src/engine/model.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

const key = (s: Uint8Array): string => Buffer.from(s).toString('latin1');

/** Every state the checker expands in the config (breadth-first over canonical forms, symmetry on). */
const statesOf = (config: string, design: Design): { model: PfnmapModel; states: Uint8Array[] } => {
  const model = new PfnmapModel({ universe: NAMED_CONFIGS[config].universe, design, mutant: null, invariants: null, symmetry: true });
  const states = [new Uint8Array(model.canonicalize(model.initialStates()[0]))];
  const seen = new Set(states.map(key));
  const out = new Uint8Array(model.stateBytes);
  for (let q = 0; q < states.length; q++) {
    const s = states[q];
    for (const a of model.plan(s).run) {
      if (model.step(s, a, out) !== STEP_CHANGED) continue;
      const c = new Uint8Array(model.canonicalize(out));
      if (seen.has(key(c))) continue;
      seen.add(key(c));
      states.push(c);
    }
  }
  return { model, states };
};

/** A planner on its own decider, and how many plans it has made (each plan asks `decide` once per action). */
const countingPlanner = (model: PfnmapModel, slotsMax?: number): { planner: ActionPlanner; made: () => number } => {
  const kernel = new Kernel(model.args.universe, model.args.design, model.tables);
  kernel.prepare(model.actions.map((a) => a.cmd));
  const decide = kernel.decide.bind(kernel);
  let calls = 0;
  kernel.decide = (i, m) => {
    calls++;
    return decide(i, m);
  };
  return { planner: new ActionPlanner(kernel, model.actions, model.actionKeyOf, slotsMax), made: () => calls / model.actions.length };
};

const plain = (p: ActionPlan) => ({ run: [...p.run], counted: [...p.counted], countedByKey: [...p.countedByKey], edges: [...p.edges] });

describe('the action planner', () => {
  const { model, states } = statesOf('split3', parseDesign('tracked') as Design);
  const freshKernel = new Kernel(model.args.universe, model.args.design, model.tables);
  freshKernel.prepare(model.actions.map((a) => a.cmd));
  const fresh = (s: Uint8Array) => plain(new ActionPlanner(freshKernel, model.actions, model.actionKeyOf).plan(s));
  const masks = new PageMasks(model.L);
  const masksOf = (s: Uint8Array): string => {
    masks.load(s);
    return masks.words.join(',');
  };
  const distinct = new Set(states.map(masksOf)).size;

  it('plans each distinct page mask once, and the plan is the one made afresh', () => {
    expect(states.length).toBe(NAMED_CONFIGS.split3.pins.tracked.distinct);
    // more masks than the table's first 16 slots hold at half load: it grows
    expect(distinct).toBeGreaterThan(8);
    const { planner, made } = countingPlanner(model);
    for (const s of states) expect(plain(planner.plan(s))).toEqual(fresh(s));
    for (const s of states) planner.plan(s);
    expect(made()).toBe(distinct);
  });

  it('a table too small for the masks replaces plans and still answers every state right', () => {
    const { planner, made } = countingPlanner(model, 16);
    for (const s of states) expect(plain(planner.plan(s))).toEqual(fresh(s));
    expect(made()).toBeGreaterThan(distinct);
  });
});
