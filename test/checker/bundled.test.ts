/**
 * The model as the CLI, the workers and the bench run it: the bundle bin/bundle.js writes, with
 * its accessors and one-line methods inlined (src/util/inlineAccessors.js), shown equal to the
 * sources the other tests load, not sampled. On the small named configs of every design era
 * (test/support/walkConfigs.ts), for every state the checker expands and every action the
 * planner runs in it, the bundled model and the source model plan the same actions, leave the
 * same bytes, step result and kernel notes, count the same machine edges and give each
 * successor the same canonical form; and they find the same invariant messages in each state.
 * A planted difference in the bundle (the inlined owner reads of a VMA reading its PTE byte
 * instead) must be found.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../bin/bundle.js';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { PfnmapModel, type PfnmapModelArgs } from '../../src/checker/model.ts';
import { STEP_CUT, STEP_INAPPLICABLE } from '../../src/engine/model.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { WALK_CONFIGS } from '../support/walkConfigs.ts';

type ModelModule = { createModel: (args: PfnmapModelArgs) => PfnmapModel };

/** The bundled model module, and a copy of it with one planted difference. */
let bundled: ModelModule;
let planted: ModelModule;
const dir = mkdtempSync(join(tmpdir(), 'pfnmap-bundled-'));
beforeAll(async () => {
  const file = fileURLToPath(bundle(['cli'])['pfnmap-model']);
  bundled = (await import(pathToFileURL(file).href)) as ModelModule;
  // the inlined owner reads (`... + 2]`) read the PTE byte instead, where the decider asks
  const code = readFileSync(file, 'utf8');
  const wrong = code.replace(/(\.procBytes \+ 1 \+ 4 \* \(\(vs\)\)\)) \+ 2\]/g, '$1 + 3]');
  expect(wrong).not.toBe(code);
  const copy = join(dir, 'planted.mjs');
  writeFileSync(copy, wrong);
  planted = (await import(pathToFileURL(copy).href)) as ModelModule;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every (state, action) the checker steps, the source model's, compared with the other model's: what differs. */
const compare = (source: PfnmapModel, other: PfnmapModel): { states: number; steps: number; mismatches: string[] } => {
  const key = (s: Uint8Array) => Buffer.from(s).toString('latin1');
  const states = [...source.initialStates()];
  const seen = new Set(states.map(key));
  const n = source.stateBytes;
  const a = new Uint8Array(n);
  const b = new Uint8Array(n);
  const c0 = new Float64Array(source.counterCount);
  const c1 = new Float64Array(source.counterCount);
  const o0 = new Float64Array(other.counterCount);
  const o1 = new Float64Array(other.counterCount);
  const mismatches: string[] = [];
  let steps = 0;
  for (let i = 0; i < states.length && mismatches.length < 10; i++) {
    const s = states[i];
    const run = source.plan(s).run;
    const theirs = other.plan(s).run;
    if (key(new Uint8Array(run.buffer)) !== key(new Uint8Array(theirs.buffer))) mismatches.push(`state ${i}: the planned actions`);
    source.readCounters(c0, 0);
    other.readCounters(o0, 0);
    for (const action of run) {
      steps++;
      const r = source.step(s, action, a);
      const marks = source.lastStepMarks();
      const rep = r === STEP_INAPPLICABLE ? null : source.canonicalize(a).slice();
      const r2 = other.step(s, action, b);
      const what: string[] = [];
      if (r2 !== r) what.push(`result ${r} against ${r2}`);
      else if (r !== STEP_INAPPLICABLE) {
        if (!a.every((x, k) => x === b[k])) what.push('bytes');
        if (other.lastStepMarks() !== marks) what.push('notes');
        const rep2 = other.canonicalize(b);
        if (!rep!.every((x, k) => x === rep2[k])) what.push('canonical form');
      }
      if (what.length > 0) mismatches.push(`state ${i}, action ${action} (${source.actionKeys[source.actionKeyOf[action]]}): ${what.join(', ')}`);
      if (rep === null || r === STEP_CUT || seen.has(key(rep))) continue;
      seen.add(key(rep));
      states.push(rep);
      // each new state's invariants, as the checker checks them (once a state)
      source.invariants.forEach((inv, j) => {
        if (inv.check(rep) !== other.invariants[j].check(rep)) mismatches.push(`state ${states.length - 1}: invariant ${inv.name}`);
      });
    }
    source.readCounters(c1, 0);
    other.readCounters(o1, 0);
    if (!c1.every((x, k) => x - c0[k] === o1[k] - o0[k])) mismatches.push(`state ${i}: machine edge counts`);
  }
  return { states: states.length, steps, mismatches };
};

const models = (m: ModelModule, config: keyof typeof NAMED_CONFIGS, name: string, treeMax?: number): [PfnmapModel, PfnmapModel] => {
  const base = NAMED_CONFIGS[config].universe;
  const universe = treeMax ? { ...base, treeMax } : base;
  const args: PfnmapModelArgs = { universe, design: parseDesign(name) as Design, mutant: null, invariants: null, symmetry: true, fastPath: false };
  return [new PfnmapModel(args), m.createModel(args)];
};

describe('the bundled model on every reachable state', () => {
  for (const [config, name, treeMax] of WALK_CONFIGS)
    it(`${config}${treeMax ? ` (treeMax ${treeMax})` : ''} / ${name}: the same bytes, results, notes, counters, canonical forms and invariant messages as the sources`, () => {
      const [source, other] = models(bundled, config, name, treeMax);
      const walk = compare(source, other);
      expect(walk.mismatches).toEqual([]);
      const pin = treeMax ? undefined : (NAMED_CONFIGS[config].pins as Partial<Record<string, { distinct: number }>>)[name];
      if (pin) expect(walk.states).toBe(pin.distinct);
      expect(walk.steps).toBeGreaterThan(walk.states);
    });

  it('a planted difference in the bundle is found', () => {
    const [source, other] = models(planted, 'kernel2', 'tracked');
    expect(compare(source, other).mismatches.length).toBeGreaterThan(0);
  });
});
