/**
 * The expansion core both searches run (sequential.ts on the main thread, worker.ts on each
 * worker of the parallel search): a state's successors, from the model's plan to the visited
 * set, and the checks on the new ones.
 *
 * Per state: ask the model's plan which actions to run and which to count without running.
 * Per action run: step into a scratch state; an inapplicable action is not a transition; any
 * other is counted (generated, its coverage key, the reachability marks it fired); a successor
 * that is unchanged (the model says so, or its bytes equal the state's) is the state itself,
 * one a model bound cut is counted and dropped; a successor met before in the same bytes by
 * this core (successorCache.ts) is skipped; the rest is canonicalized, packed, fingerprinted
 * and handed to the search's Sink, which stores it; a new state is checked against the
 * invariants and reachability predicates not yet settled.
 *
 * The inner loop allocates nothing and creates no closure: the scratch, packed and word
 * buffers are the core's, and the Sink is one object per search.
 */
import { Fingerprinter } from './fingerprint.ts';
import { STEP_CHANGED, STEP_CUT, STEP_INAPPLICABLE, type ActionPlan, type Model } from './model.ts';
import { C_CUT, C_GENERATED, C_KEYS } from './result.ts';
import { SuccessorCache } from './successorCache.ts';

/** Sink.insert: the search stops before this successor (its store is out of memory) */
export const HALT = -2;

/** Where successors go: the search's visited set and its record of what new states break. */
export interface Sink {
  /**
   * The successor's storage form is in the core's `packed` (fingerprint h1, h2), reached from
   * `ref` (the search's name for the state expanded) by `action`: store it. Returns its new
   * id, -1 when it was stored before, HALT when the search must stop.
   */
  insert(h1: number, h2: number, ref: number, action: number): number;
  /** new state id breaks invariant i */
  broke(i: number, id: number, message: string): void;
  /** new state id has reachability property r */
  reached(r: number, id: number): void;
  /** set (by broke) when the search stops after this successor */
  readonly halted: boolean;
}

const sameWords = (a: Uint32Array, b: Uint32Array): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export class Expander {
  readonly nA: number;
  /** counters (result.ts C_*): [generated, cut, per action key, per reachability (marks fired)] */
  readonly counters: Float64Array;
  readonly reachBase: number;
  /** length of a snapshot: the counters, then the model's */
  readonly size: number;
  /** the state being expanded (working form) */
  readonly cur: Uint8Array;
  /** the successor's storage form, and its fingerprint (fp.h1, fp.h2) */
  readonly packed: Uint8Array;
  readonly packedWords: Uint32Array;
  readonly fp: Fingerprinter;
  /** per invariant and reachability property: 1 when new states need not be checked for it */
  readonly skipInv: Uint8Array;
  readonly skipReach: Uint8Array;
  private readonly curWords: Uint32Array;
  private readonly scratch: Uint8Array;
  private readonly scratchWords: Uint32Array;
  private readonly keyOf: Int32Array;
  private readonly markOf: Int32Array;
  /** the marks of the reachability properties not skipped */
  private markMask = 0;
  /** raw successors this core already handed to the sink (successorCache.ts) */
  private readonly seenBefore: SuccessorCache;

  constructor(readonly model: Model) {
    if (model.stateBytes % 4 !== 0 || model.packedBytes % 4 !== 0) throw new Error('a model state must be whole 32-bit words');
    this.nA = model.actionCount;
    this.keyOf = model.actionKeyOf;
    this.reachBase = C_KEYS + model.actionKeys.length;
    this.counters = new Float64Array(this.reachBase + model.reachability.length);
    this.size = this.counters.length + model.counterCount;
    this.cur = new Uint8Array(model.stateBytes);
    this.curWords = new Uint32Array(this.cur.buffer);
    this.scratch = new Uint8Array(model.stateBytes);
    this.scratchWords = new Uint32Array(this.scratch.buffer);
    this.packed = new Uint8Array(model.packedBytes);
    this.packedWords = new Uint32Array(this.packed.buffer);
    this.fp = new Fingerprinter(this.packed);
    this.skipInv = new Uint8Array(model.invariants.length);
    this.skipReach = new Uint8Array(model.reachability.length);
    this.markOf = Int32Array.from(model.reachability, (r) => r.mark ?? 0);
    this.seenBefore = new SuccessorCache(this.scratchWords.length);
    this.updateMarks();
  }

  /** After a change of skipReach: count the marks of the properties still open only. */
  updateMarks(): void {
    this.markMask = 0;
    for (let r = 0; r < this.markOf.length; r++) if (!this.skipReach[r]) this.markMask |= this.markOf[r];
  }

  /** Zero every counter (the model's included). */
  resetCounts(): void {
    this.counters.fill(0);
    this.model.resetCounters();
  }

  /** The counters now, the model's after the core's. */
  snapshot(): Float64Array {
    const v = new Float64Array(this.size);
    v.set(this.counters);
    this.model.readCounters(v, this.counters.length);
    return v;
  }

  /** Unpack the packed state at src[off..] into cur. */
  load(src: Uint8Array, off: number): void {
    this.model.unpack(src, off, this.cur);
  }

  /**
   * The initial states (the first level): each one's representative, packed and
   * fingerprinted, goes to the sink as reached from ref -1 by its index; the new ones are checked.
   */
  seed(sink: Sink): void {
    const init = this.model.initialStates();
    for (let i = 0; i < init.length && !sink.halted; i++) {
      if (init[i].length !== this.model.stateBytes) throw new Error(`initial state ${i}: ${init[i].length} bytes, the model's states have ${this.model.stateBytes}`);
      const c = this.model.canonicalize(init[i]);
      this.model.pack(c, this.packed, 0);
      this.fp.run();
      const id = sink.insert(this.fp.h1, this.fp.h2, -1, i);
      if (id >= 0) this.checkNew(id, c, sink);
    }
  }

  /**
   * Expand cur (see the top of this file) by its actions up to `last`, storing successors
   * with `sink` as reached from `ref`; with no sink, only count (the parallel search's main
   * thread recounting part of a level). When the sink halts the search, the counts stop at
   * the action that halted it: the plan's counted actions after it are not counted.
   */
  expand(ref: number, last: number, sink: Sink | null): void {
    const model = this.model;
    const counters = this.counters;
    const keyOf = this.keyOf;
    const cur = this.cur;
    const curWords = this.curWords;
    const scratch = this.scratch;
    const scratchWords = this.scratchWords;
    const plan = model.plan(cur);
    const run = plan.run;
    let upTo = last;
    for (let ri = 0; ri < run.length; ri++) {
      const ai = run[ri];
      if (ai > last) break;
      const r = model.step(cur, ai, scratch);
      if (r === STEP_INAPPLICABLE) continue;
      counters[C_GENERATED]++;
      counters[C_KEYS + keyOf[ai]]++;
      if (this.markMask !== 0) {
        const m = model.lastStepMarks() & this.markMask;
        if (m !== 0) this.countMarks(m);
      }
      if (r !== STEP_CHANGED) {
        if (r === STEP_CUT) counters[C_CUT]++;
        continue;
      }
      if (sameWords(scratchWords, curWords)) continue;
      if (sink === null || this.seenBefore.seen(scratchWords)) continue;
      const c = model.canonicalize(scratch);
      model.pack(c, this.packed, 0);
      this.fp.run();
      const id = sink.insert(this.fp.h1, this.fp.h2, ref, ai);
      if (id === HALT) {
        upTo = ai;
        break;
      }
      this.seenBefore.record(scratchWords);
      if (id < 0) continue;
      this.checkNew(id, c, sink);
      if (sink.halted) {
        upTo = ai;
        break;
      }
    }
    this.countPlanned(plan, upTo);
  }

  /** The plan's counted actions up to `upTo`: generated, and per coverage key. */
  private countPlanned(plan: ActionPlan, upTo: number): void {
    const counted = plan.counted;
    const n = counted.length;
    if (n === 0) return;
    const counters = this.counters;
    if (counted[n - 1] <= upTo) {
      counters[C_GENERATED] += n;
      const byKey = plan.countedByKey;
      for (let k = 0; k < byKey.length; k += 2) counters[C_KEYS + byKey[k]] += byKey[k + 1];
      return;
    }
    for (let k = 0; k < n && counted[k] <= upTo; k++) {
      counters[C_GENERATED]++;
      counters[C_KEYS + this.keyOf[counted[k]]]++;
    }
  }

  /** The last step's marks m (those of the properties still open, not 0), counted per property. */
  private countMarks(m: number): void {
    const markOf = this.markOf;
    for (let r = 0; r < markOf.length; r++) if ((m & markOf[r]) !== 0 && !this.skipReach[r]) this.counters[this.reachBase + r]++;
  }

  /** A new state s (representative, working form): the invariants and reachability predicates not skipped. */
  private checkNew(id: number, s: Uint8Array, sink: Sink): void {
    const invs = this.model.invariants;
    const skipInv = this.skipInv;
    for (let i = 0; i < invs.length; i++) {
      if (skipInv[i]) continue;
      const msg = invs[i].check(s);
      if (msg !== null) sink.broke(i, id, msg);
    }
    const reach = this.model.reachability;
    const skipReach = this.skipReach;
    for (let r = 0; r < reach.length; r++) {
      if (skipReach[r]) continue;
      const p = reach[r];
      if (p.state !== undefined && p.state(s)) sink.reached(r, id);
    }
  }
}
