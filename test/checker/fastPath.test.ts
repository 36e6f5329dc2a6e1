/**
 * The generated fast path (src/checker/fastPath.ts) shown equal to the general path, not
 * sampled: on small named configs, for every state the checker expands and every action
 * the planner runs in it, the model with the fast path and the model without it leave the same
 * bytes, the same step result, the same machine edge counts and the same kernel notes. Each
 * config is walked twice: the first walk traces every path the decider takes (the tracing
 * build's step, itself compared with the general one); the second must be answered by the
 * compiled paths alone, without one trace. A planted difference in the compiled code (one
 * written byte off by one) must be found.
 */
import { describe, expect, it } from 'vitest';
import { FAST_PATH_AFTER, FAST_PATH_AHEAD, PfnmapModel, type PfnmapModelArgs } from '../../src/checker/model.ts';
import { checkAsync, checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { STEP_CUT, STEP_INAPPLICABLE } from '../../src/engine/model.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import type { Universe } from '../../src/state/universe.ts';
import { isAlive } from '../../src/state/access.ts';
import { treesOf } from '../../src/checker/fastPath.ts';
import { Decoded } from '../../models/command.ts';
import type { Command } from '../../src/events/commands.ts';
import { procOff } from '../../src/state/layout.ts';
import { WALK_CONFIGS } from '../support/walkConfigs.ts';

interface Walk {
  readonly states: number;
  readonly steps: number;
  readonly mismatches: readonly string[];
  /** paths traced during the walk */
  readonly traced: number;
}

/** Every state the checker expands (symmetry representatives), breadth first by the general model's steps, with the actions the planner runs in each. */
const reachable = (general: PfnmapModel): { states: Uint8Array[]; runs: Int32Array[] } => {
  const key = (s: Uint8Array) => Buffer.from(s).toString('latin1');
  const states = [...general.initialStates()];
  const seen = new Set(states.map(key));
  const runs: Int32Array[] = [];
  const out = new Uint8Array(general.stateBytes);
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    const run = general.plan(s).run;
    runs.push(run);
    for (const a of run) {
      const r = general.step(s, a, out);
      // the checker keeps neither an inapplicable step's bytes nor a successor cut at treeMax
      if (r === STEP_INAPPLICABLE || r === STEP_CUT) continue;
      const rep = general.canonicalize(out);
      const k = key(rep);
      if (!seen.has(k)) {
        seen.add(k);
        states.push(rep.slice());
      }
    }
  }
  return { states, runs };
};

/**
 * Step every (state, action) on both models: the same bytes, result and notes at every step,
 * and the same machine edge counts for each state's actions (the two models share the compiled
 * machines: the general steps of a state are counted, then the fast ones).
 */
const compare = (general: PfnmapModel, fast: PfnmapModel, states: readonly Uint8Array[], runs: readonly Int32Array[]): Walk => {
  const n = general.stateBytes;
  const outs = new Uint8Array(n * 256);
  const results = new Int32Array(256);
  const marks = new Int32Array(256);
  const mine = new Uint8Array(n);
  const c0 = new Float64Array(general.counterCount);
  const c1 = new Float64Array(general.counterCount);
  const c2 = new Float64Array(general.counterCount);
  const mismatches: string[] = [];
  const tracedBefore = fast.fast?.traced ?? 0;
  let steps = 0;
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    const run = runs[i];
    general.readCounters(c0, 0);
    general.plan(s);
    run.forEach((a, j) => {
      results[j] = general.step(s, a, outs.subarray(j * n, (j + 1) * n));
      marks[j] = general.lastStepMarks();
    });
    general.readCounters(c1, 0);
    fast.plan(s);
    run.forEach((a, j) => {
      steps++;
      const r = fast.step(s, a, mine);
      const what: string[] = [];
      if (r !== results[j]) what.push(`result ${results[j]} against ${r}`);
      if (r !== STEP_INAPPLICABLE && !mine.every((x, k) => x === outs[j * n + k])) what.push('bytes');
      if (fast.lastStepMarks() !== marks[j]) what.push('notes');
      if (what.length > 0) mismatches.push(`state ${i}, action ${a} (${general.actionKeys[general.actionKeyOf[a]]}): ${what.join(', ')}`);
    });
    general.readCounters(c2, 0);
    if (!c1.every((x, k) => x - c0[k] === c2[k] - x)) mismatches.push(`state ${i}: machine edge counts`);
  }
  return { states: states.length, steps, mismatches, traced: (fast.fast?.traced ?? 0) - tracedBefore };
};

const models = (universe: Universe, design: Design, fastPath: PfnmapModelArgs['fastPath'] = true): [PfnmapModel, PfnmapModel] => {
  const args: PfnmapModelArgs = { universe, design, mutant: null, invariants: null, symmetry: true };
  return [new PfnmapModel({ ...args, fastPath: false }), new PfnmapModel({ ...args, fastPath })];
};

describe('paths shared between address spaces and frames', () => {
  it('gives one tree to the actions whose decoded commands differ only in the address space or the frame, and refuses a field its text cannot tell apart', () => {
    const { universe } = NAMED_CONFIGS.fork2;
    const munmap = (pid: number, addr: number): Decoded => new Decoded({ kind: 'munmap', pid, addr, len: 4096 } as Command, universe);
    const mmap = (pid: number, pfn: number, shared: boolean): Decoded => new Decoded({ kind: 'mmap', pid, len: 4096, pfn, cacheMode: 'WB', shared } as Command, universe);
    const base = universe.vaBasePage * 4096;
    const pfn = universe.physBasePfn;
    // pids 1 and 2 are address space slots 0 and 1
    const { treeOf, trees } = treesOf([munmap(1, base), munmap(2, base), munmap(1, base + 4096), mmap(1, pfn, true), mmap(2, pfn + 1, true), mmap(1, pfn, false)]);
    expect(Array.from(treeOf)).toEqual([0, 0, 1, 2, 2, 3]);
    expect(trees).toBe(4);
    const odd = Object.assign(munmap(1, base), { extra: [1] });
    expect(() => treesOf([odd])).toThrow(/field 'extra' is a object/);
  });

  it('runs a command on the second address space on the paths the same command traced on the first, in a state where the two are alike', () => {
    const { universe } = NAMED_CONFIGS.fork2;
    const [general, fast] = models(universe, parseDesign('tracked') as Design);
    const L = general.L;
    const space = (s: Uint8Array, p: number) => s.subarray(procOff(L, p), procOff(L, p) + L.procBytes);
    // fork of the empty address space: two live address spaces with the same bytes
    const { states } = reachable(general);
    const alike = states.filter((s) => isAlive(L, s, 0) && isAlive(L, s, 1) && space(s, 0).every((x, i) => x === space(s, 1)[i]));
    expect(alike.length).toBeGreaterThan(0);
    const paths = fast.fast!;
    const mine = new Uint8Array(general.stateBytes);
    const want = new Uint8Array(general.stateBytes);
    let twins = 0;
    for (const s of alike)
      for (let a0 = 0; a0 < general.actionCount; a0++) {
        if (paths.spaceOf[a0] !== 0) continue;
        for (let a1 = 0; a1 < general.actionCount; a1++) {
          // the same command on the other address space: the same tree and the same frame
          if (paths.spaceOf[a1] !== 1 || paths.treeOf[a1] !== paths.treeOf[a0] || paths.frameOf[a1] !== paths.frameOf[a0]) continue;
          twins++;
          fast.plan(s);
          fast.step(s, a0, mine);
          const traced = paths.traced;
          const r = fast.step(s, a1, mine);
          expect(paths.traced, `${general.actionKeys[general.actionKeyOf[a1]]}`).toBe(traced);
          general.plan(s);
          expect(r).toBe(general.step(s, a1, want));
          if (r !== STEP_INAPPLICABLE) expect(mine).toEqual(want);
        }
      }
    expect(twins).toBeGreaterThan(general.actionCount / 4);
  });
});

describe('the generated fast path on every reachable state', () => {
  for (const [config, name, treeMax] of WALK_CONFIGS)
    it(`${config}${treeMax ? ` (treeMax ${treeMax})` : ''} / ${name}: the same bytes, results, counters and notes; the second walk without a trace`, () => {
      const base = NAMED_CONFIGS[config];
      const universe = treeMax ? { ...base.universe, treeMax } : base.universe;
      const design = parseDesign(name) as Design;
      const [general, fast] = models(universe, design);
      const { states, runs } = reachable(general);
      const first = compare(general, fast, states, runs);
      expect(first.mismatches).toEqual([]);
      expect(first.traced).toBeGreaterThan(0);
      // an independent search: it finds the states the checker counts (the pin, or a search that stops at no violation)
      const pin = treeMax ? undefined : (base.pins as Partial<Record<string, { distinct: number }>>)[name];
      expect(first.states).toBe(pin ? pin.distinct : checkSync({ universe, design, invariants: [], workers: 1 }).distinct);
      const second = compare(general, fast, states, runs);
      expect(second.mismatches).toEqual([]);
      expect(second.steps).toBe(first.steps);
      expect(second.traced).toBe(0);
    });

  it('a check with the fast path, on one worker and on two, gives the result and coverage of one without', async () => {
    const universe = NAMED_CONFIGS.kernel2.universe;
    const design = parseDesign('tracked') as Design;
    const plain = checkSync({ universe, design, workers: 1 });
    const strip = (r: typeof plain) => ({ verdict: r.verdict, distinct: r.distinct, generated: r.generated, depth: r.depth, coverage: r.coverage, quality: r.brokenQuality.map((q) => q.invariant), reachability: r.reachability });
    expect(strip(checkSync({ universe, design, workers: 1, fastPath: true }))).toEqual(strip(plain));
    expect(strip(await checkAsync({ universe, design, workers: 2, fastPath: true }))).toEqual(strip(plain));
    // deferred: the fast path is built in the middle of the search (in each worker)
    expect(strip(checkSync({ universe, design, workers: 1, fastPath: 5000 }))).toEqual(strip(plain));
    expect(strip(await checkAsync({ universe, design, workers: 2, fastPath: 5000 }))).toEqual(strip(plain));
  });

  it('a deferred fast path takes over after that many general steps, or at a level that holds enough steps, with the same steps before and after', () => {
    const universe = NAMED_CONFIGS.kernel2.universe;
    const design = parseDesign('tracked') as Design;
    const [general, deferred] = models(universe, design, 5000);
    const { states, runs } = reachable(general);
    expect(deferred.fast).toBeNull();
    const walk = compare(general, deferred, states, runs);
    expect(walk.steps).toBeGreaterThan(5000);
    expect(walk.mismatches).toEqual([]);
    expect(deferred.fast).not.toBeNull();
    expect(walk.traced).toBeGreaterThan(0);
    // 'auto' waits for FAST_PATH_AFTER steps: a search this short never builds it
    const [, auto] = models(universe, design, 'auto');
    expect(walk.steps).toBeLessThan(FAST_PATH_AFTER);
    const autoWalk = compare(general, auto, states, runs);
    expect(autoWalk.mismatches).toEqual([]);
    expect(auto.fast).toBeNull();
    // ... unless a level ahead holds FAST_PATH_AHEAD steps at the steps a state has cost so far
    // (the walk planned each state once): one state fewer leaves it on the general path
    const needed = Math.ceil((FAST_PATH_AHEAD * autoWalk.states) / autoWalk.steps);
    auto.levelAhead(needed - 1);
    expect(auto.fast).toBeNull();
    auto.levelAhead(needed);
    expect(auto.fast).not.toBeNull();
    const after = compare(general, auto, states, runs);
    expect(after.mismatches).toEqual([]);
    expect(after.traced).toBeGreaterThan(0);
    // a model that never builds it, or built it from the first step, ignores the levels
    const [never, first] = [models(universe, design, false)[1], models(universe, design, true)[1]];
    const built = first.fast;
    for (const m of [never, first]) {
      compare(general, m, states.slice(0, 50), runs);
      m.levelAhead(1 << 30);
    }
    expect(never.fast).toBeNull();
    expect(first.fast).toBe(built);
  });

  it('a planted difference in the compiled code is found', () => {
    const c = NAMED_CONFIGS.tiny;
    const [general, fast] = models(c.universe, parseDesign('tracked') as Design);
    const { states, runs } = reachable(general);
    compare(general, fast, states, runs);
    // every write of a computed value into the state is off by one
    fast.fast!.plant = (body) => body.replace(/^(S\[[^\]]+\] = )(.*);$/gm, '$1($2) + 1;');
    const planted = compare(general, fast, states, runs);
    expect(planted.traced).toBe(0);
    expect(planted.mismatches.length).toBeGreaterThan(0);
    expect(planted.mismatches.some((m) => m.includes('bytes'))).toBe(true);
  });
});
