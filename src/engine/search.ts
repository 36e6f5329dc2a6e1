/**
 * The engine's entry: a breadth-first search of a model (model.ts), on this thread
 * (sequential.ts) or on worker threads (parallel.ts: the same result), and the drivers that
 * run its generator to the end.
 */
import type { Model, ModelSpec } from './model.ts';
import { parallelSearch } from './parallel.ts';
import type { Progress, SearchResult } from './result.ts';
import { sequentialSearch } from './sequential.ts';

export interface SearchOptions {
  /** bound on the number of actions from an initial state (BFS depth) */
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxSeconds?: number;
  readonly maxMemoryBytes?: number;
  /** invariants (by name) whose violation is recorded without stopping the search (default: the model's 'quality' ones) */
  readonly continueOn?: readonly string[];
  /** keep every state's bytes and compare them (default), or trust 64-bit fingerprints */
  readonly exact?: boolean;
  /** yield progress every this many expanded states (the sequential search; the parallel one yields every 100 ms) */
  readonly yieldEvery?: number;
  /** search on this many worker threads (needs a ModelSpec); 1: this thread */
  readonly workers?: number;
  /** (tests) the parallel search's BFS key space, KEY_LIMIT (2^32 - 1) by default: a level whose
   * positions x actions exceed it is expanded in windows (parallel.ts) */
  readonly keySpace?: number;
}

/** Per invariant of the model: 1 if its violation stops the search. */
export const stopsOf = (model: Model, opts: SearchOptions): Uint8Array => {
  const go = new Set(opts.continueOn ?? model.invariants.filter((i) => i.kind === 'quality').map((i) => i.name));
  return Uint8Array.from(model.invariants, (i) => (go.has(i.name) ? 0 : 1));
};

/**
 * Search `model`. With `workers` > 1 and a spec the worker threads can build the same model
 * from, the parallel search runs; otherwise the sequential one. The generator yields
 * progress; send it true to stop the search (stoppedBy 'interrupt').
 */
export function* search(model: Model, opts: SearchOptions, spec: ModelSpec | null = null): Generator<Progress, SearchResult, boolean | undefined> {
  const stops = stopsOf(model, opts);
  const workers = Math.floor(opts.workers ?? 1);
  if (workers > 1 && spec) return yield* parallelSearch(model, spec, opts, stops, workers);
  return yield* sequentialSearch(model, opts, stops);
}

/** Run a search to its end without yielding control (its generator should yield rarely: see yieldEvery). */
export const runSync = <R>(it: Generator<Progress, R, boolean | undefined>): R => {
  for (;;) {
    const r = it.next(false);
    if (r.done) return r.value;
  }
};

/** Run a search, returning to the event loop at each yield; onProgress sees each one, interrupted() stops it. */
export const runAsync = async <R>(it: Generator<Progress, R, boolean | undefined>, onProgress?: (p: Progress) => void, interrupted?: () => boolean): Promise<R> => {
  let stopNow = false;
  for (;;) {
    const r = it.next(stopNow);
    if (r.done) return r.value;
    onProgress?.(r.value);
    await new Promise<void>((res) => setImmediate(res));
    stopNow = interrupted?.() ?? false;
  }
};
