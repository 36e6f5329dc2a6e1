/**
 * A toy model for the engine's tests: n counters, each mod k, one byte each (padded to whole
 * words). Action i increments counter i (mod k); with `resets`, action 2i increments counter
 * i and action 2i + 1 sets it to 0 (interleaved, so that a plan counts actions on both sides
 * of one that stops the search). Every vector of [0, k)^n is reachable from the zero vector, and the fewest
 * increments to reach v is the sum of v (a reset never shortens a path from 0), so the BFS
 * level of v is sum(v): counts per level and in total have closed forms (counters.test.ts).
 *
 * Options: `symmetry` sorts the counters (the representative of a permutation class); `bound`
 * cuts every successor whose sum exceeds it (STEP_CUT); `plan` 'skip' counts a reset of a
 * counter that is 0 without running it (it changes nothing); `sumBelow` is a safety invariant
 * (sum < sumBelow) and `firstBelow` a quality one (counter 0 < firstBelow); the reachability
 * properties are a state predicate (counter 0 is k - 1) and a transition mark (a counter
 * wrapped from k - 1 to 0); the model's one counter counts the wraps its steps made, or, with
 * `levels`, the states the search said were ahead (Model.levelAhead; `levelsAhead` lists them).
 */
import {
  STEP_CHANGED,
  STEP_CUT,
  STEP_UNCHANGED,
  type ActionPlan,
  type Model,
  type ModelInvariant,
  type ModelReachability,
  type ModelSpec,
} from '../../../src/engine/model.ts';

export interface CountersArgs {
  readonly n: number;
  readonly k: number;
  readonly symmetry?: boolean;
  readonly resets?: boolean;
  readonly plan?: 'all' | 'skip';
  readonly bound?: number;
  readonly sumBelow?: number;
  readonly firstBelow?: number;
  /** count the states of the levels ahead instead of the wraps */
  readonly levels?: boolean;
  /** the initial states (default: the zero vector) */
  readonly initial?: readonly (readonly number[])[];
}

export const WRAP_MARK = 1;

const sum = (s: Uint8Array, n: number): number => {
  let t = 0;
  for (let i = 0; i < n; i++) t += s[i];
  return t;
};

export class Counters implements Model {
  readonly stateBytes: number;
  readonly packedBytes: number;
  readonly actionCount: number;
  readonly actionKeys: readonly string[];
  readonly actionKeyOf: Int32Array;
  readonly invariants: readonly ModelInvariant[];
  readonly reachability: readonly ModelReachability[];
  readonly counterCount = 1;
  private readonly n: number;
  private readonly k: number;
  private readonly canon: Uint8Array;
  private readonly all: ActionPlan;
  /** per bitmask of zero counters: the plan that counts those counters' resets */
  private readonly plans: ActionPlan[] = [];
  private marks = 0;
  private wraps = 0;
  /** each levelAhead call's states, in order */
  readonly levelsAhead: number[] = [];

  constructor(readonly args: CountersArgs) {
    const { n, k } = args;
    this.n = n;
    this.k = k;
    this.stateBytes = this.packedBytes = Math.ceil(n / 4) * 4;
    this.canon = new Uint8Array(this.stateBytes);
    this.actionCount = args.resets ? 2 * n : n;
    this.actionKeys = args.resets ? ['increment', 'reset'] : ['increment'];
    this.actionKeyOf = Int32Array.from({ length: this.actionCount }, (_, a) => (args.resets ? a & 1 : 0));
    const runAll = Int32Array.from({ length: this.actionCount }, (_, a) => a);
    this.all = { run: runAll, counted: new Int32Array(0), countedByKey: new Int32Array(0) };
    if (args.resets && args.plan === 'skip')
      for (let zeros = 0; zeros < 1 << n; zeros++) {
        const noop = (a: number): boolean => (a & 1) === 1 && ((zeros >> (a >> 1)) & 1) === 1;
        const counted = runAll.filter(noop);
        this.plans.push({ run: runAll.filter((a) => !noop(a)), counted, countedByKey: counted.length ? Int32Array.of(1, counted.length) : new Int32Array(0) });
      }
    const invs: ModelInvariant[] = [];
    if (args.sumBelow !== undefined) {
      const t = args.sumBelow;
      invs.push({ name: 'sum-below', kind: 'safety', check: (s) => (sum(s, n) < t ? null : `sum ${sum(s, n)} >= ${t}`) });
    }
    if (args.firstBelow !== undefined) {
      const t = args.firstBelow;
      // under symmetry counter 0 is the smallest
      invs.push({ name: 'first-below', kind: 'quality', check: (s) => (s[0] < t ? null : `counter 0 is ${s[0]}`) });
    }
    this.invariants = invs;
    this.reachability = [
      { name: 'first-at-top', description: 'counter 0 is k - 1', state: (s) => s[0] === k - 1 },
      { name: 'wrapped', description: 'a counter wrapped to 0', mark: WRAP_MARK },
    ];
  }

  pack(s: Uint8Array, dst: Uint8Array, off: number): void {
    dst.set(s, off);
  }
  unpack(src: Uint8Array, off: number, s: Uint8Array): void {
    s.set(src.subarray(off, off + this.stateBytes));
  }
  initialStates(): readonly Uint8Array[] {
    return (this.args.initial ?? [new Array<number>(this.n).fill(0)]).map((v) => {
      const s = new Uint8Array(this.stateBytes);
      s.set(v);
      return s;
    });
  }
  plan(s: Uint8Array): ActionPlan {
    if (this.plans.length === 0) return this.all;
    let zeros = 0;
    for (let i = 0; i < this.n; i++) if (s[i] === 0) zeros |= 1 << i;
    return this.plans[zeros];
  }
  step(s: Uint8Array, action: number, out: Uint8Array): number {
    out.set(s);
    this.marks = 0;
    const i = this.args.resets ? action >> 1 : action;
    if (this.args.resets && (action & 1) === 1) {
      if (s[i] === 0) return STEP_UNCHANGED;
      out[i] = 0;
      return STEP_CHANGED;
    }
    if (out[i] === this.k - 1) {
      out[i] = 0;
      this.marks = WRAP_MARK;
      this.wraps++;
    } else {
      out[i]++;
    }
    return this.args.bound !== undefined && sum(out, this.n) > this.args.bound ? STEP_CUT : STEP_CHANGED;
  }
  levelAhead(states: number): void {
    this.levelsAhead.push(states);
  }
  lastStepMarks(): number {
    return this.marks;
  }
  canonicalize(s: Uint8Array): Uint8Array {
    if (!this.args.symmetry) return s;
    this.canon.set(s);
    this.canon.subarray(0, this.n).sort();
    return this.canon;
  }
  readCounters(into: Float64Array, offset: number): void {
    into[offset] = this.args.levels ? this.levelsAhead.reduce((a, b) => a + b, 0) : this.wraps;
  }
  resetCounters(): void {
    this.wraps = 0;
    this.levelsAhead.length = 0;
  }
}

export const createModel = (args: CountersArgs): Counters => new Counters(args);

export const countersSpec = (args: CountersArgs): ModelSpec => ({ module: import.meta.url, args });
