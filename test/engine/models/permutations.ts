/**
 * A toy model for the engine's tests: the permutations of 0..n-1 (one byte each, padded to
 * whole words), from the identity, by the n - 1 adjacent transpositions. Every permutation is
 * reachable; the fewest adjacent swaps to reach one is its number of inversions, so BFS level
 * d holds the permutations with d inversions (the Mahonian numbers), n! in all, and the
 * deepest is the reversal, n(n - 1)/2 swaps away.
 */
import { STEP_CHANGED, type ActionPlan, type Model, type ModelSpec } from '../../../src/engine/model.ts';

export interface PermutationsArgs {
  readonly n: number;
}

export class Permutations implements Model {
  readonly stateBytes: number;
  readonly packedBytes: number;
  readonly actionCount: number;
  readonly actionKeys = ['swap'];
  readonly actionKeyOf: Int32Array;
  readonly invariants = [];
  readonly reachability = [];
  readonly counterCount = 0;
  private readonly all: ActionPlan;

  constructor(readonly args: PermutationsArgs) {
    this.stateBytes = this.packedBytes = Math.ceil(args.n / 4) * 4;
    this.actionCount = args.n - 1;
    this.actionKeyOf = new Int32Array(this.actionCount);
    this.all = { run: Int32Array.from({ length: this.actionCount }, (_, a) => a), counted: new Int32Array(0), countedByKey: new Int32Array(0) };
  }

  pack(s: Uint8Array, dst: Uint8Array, off: number): void {
    dst.set(s, off);
  }
  unpack(src: Uint8Array, off: number, s: Uint8Array): void {
    s.set(src.subarray(off, off + this.stateBytes));
  }
  initialStates(): readonly Uint8Array[] {
    const s = new Uint8Array(this.stateBytes);
    for (let i = 0; i < this.args.n; i++) s[i] = i;
    return [s];
  }
  plan(): ActionPlan {
    return this.all;
  }
  step(s: Uint8Array, a: number, out: Uint8Array): number {
    out.set(s);
    out[a] = s[a + 1];
    out[a + 1] = s[a];
    return STEP_CHANGED;
  }
  lastStepMarks(): number {
    return 0;
  }
  canonicalize(s: Uint8Array): Uint8Array {
    return s;
  }
  readCounters(): void {}
  resetCounters(): void {}
}

export const createModel = (args: PermutationsArgs): Permutations => new Permutations(args);

export const permutationsSpec = (args: PermutationsArgs): ModelSpec => ({ module: import.meta.url, args });
