/**
 * What the search engine knows of a model: states as bytes, actions by index, a step, a
 * canonical form, invariants and reachability properties. Nothing else of the model crosses
 * into src/engine; a model is any object of this shape (src/checker/model.ts builds pfnmap's,
 * test/engine/models/ has toy ones).
 *
 * A state has two forms: the working form (`stateBytes`, what `step`, `canonicalize`, the
 * invariants and the reachability predicates read) and the storage form (`packedBytes`, what
 * the visited set keeps, fingerprints and compares). Both are whole 32-bit words, so the
 * engine compares and hashes words.
 */

/** `step` wrote a successor into `out` (the engine still compares it with the state: equal bytes count as unchanged). */
export const STEP_CHANGED = 0;
/** the action ran and changed nothing (out may hold anything) */
export const STEP_UNCHANGED = 1;
/** the action does not exist in this state: not counted as generated, not a successor */
export const STEP_INAPPLICABLE = 2;
/** a bound of the model cut this successor: counted as generated and as cut, not explored */
export const STEP_CUT = 3;

/** What a state does with its actions (`Model.plan`). */
export interface ActionPlan {
  /** the action indices to run, ascending */
  readonly run: Int32Array;
  /** the action indices counted as generated without running, ascending (the model proves they add no new state) */
  readonly counted: Int32Array;
  /** `counted` summed per coverage key: [key, count] pairs */
  readonly countedByKey: Int32Array;
}

export interface ModelInvariant {
  readonly name: string;
  /** a broken 'quality' invariant is recorded and the search goes on (unless the search options say otherwise) */
  readonly kind: 'safety' | 'quality';
  /** null when s satisfies it, else a message saying how it is broken */
  check(s: Uint8Array): string | null;
}

/** A "sometimes" property: a state predicate, a transition mark (`Model.lastStepMarks`), or both. */
export interface ModelReachability {
  readonly name: string;
  readonly description: string;
  state?(s: Uint8Array): boolean;
  /** a bit of lastStepMarks() */
  readonly mark?: number;
}

export interface Model {
  /** bytes of the working form: a multiple of 4 */
  readonly stateBytes: number;
  /** bytes of the storage form: a multiple of 4 */
  readonly packedBytes: number;
  /** Write the storage form of s (working form) into dst[off, off + packedBytes). */
  pack(s: Uint8Array, dst: Uint8Array, off: number): void;
  /** Write the working form of the packed state at src[off..] into s (every byte of s). */
  unpack(src: Uint8Array, off: number, s: Uint8Array): void;
  /** the states the search starts from, working form (the first level; duplicates are dropped) */
  initialStates(): readonly Uint8Array[];
  readonly actionCount: number;
  /** coverage keys: the result counts generated transitions per key (e.g. 'munmap', 'mmap(ctx_alloc)') */
  readonly actionKeys: readonly string[];
  /** per action: its index into actionKeys */
  readonly actionKeyOf: Int32Array;
  /** Which actions to run in s (ascending), and which to count without running; a model without shortcuts runs them all. */
  plan(s: Uint8Array): ActionPlan;
  /**
   * Told before a level of the search is expanded: about how many of its states this thread
   * will expand (the level's size over the threads sharing it). A model may prepare for the
   * work ahead (e.g. build a faster step); it must not change what any step returns.
   */
  levelAhead?(states: number): void;
  /**
   * Run action on s into out (s is not written): a STEP_ code. s is the state of the last
   * plan() call (a model may keep what planning read of it).
   */
  step(s: Uint8Array, action: number, out: Uint8Array): number;
  /** the transition marks of the last step, a bitmask (see ModelReachability.mark) */
  lastStepMarks(): number;
  /**
   * The representative of s's symmetry class (s itself, or a buffer the model owns, valid
   * until the next call). The engine stores and checks representatives only.
   */
  canonicalize(s: Uint8Array): Uint8Array;
  readonly invariants: readonly ModelInvariant[];
  readonly reachability: readonly ModelReachability[];
  /** the model's own counters (e.g. machine edge hits), summed over the workers of a parallel search */
  readonly counterCount: number;
  /** Copy the counters into into[offset, offset + counterCount). */
  readCounters(into: Float64Array, offset: number): void;
  resetCounters(): void;
}

/**
 * How a worker thread builds the model: `module` is the URL of an ES module that exports
 * `createModel(args): Model`, and `args` is structured-clonable. The model it builds must
 * behave exactly as the one the main thread passes to the search.
 */
export interface ModelSpec {
  readonly module: string;
  readonly args: unknown;
}

/** What a model module exports (ModelSpec.module). */
export interface ModelModule {
  createModel(args: unknown): Model;
}
