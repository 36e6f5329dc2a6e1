/**
 * What a search reports (both searches build it the same way), and the records they keep on
 * the way: the violations found, first in BFS order, and the depth each reachability property
 * was first met at.
 */
import v8 from 'node:v8';
import { collisionProbability } from './fingerprint.ts';

/**
 * PROVED: the queue emptied and no bound cut anything. NO_VIOLATION_UP_TO_DEPTH: the depth
 * bound cut the search. NO_VIOLATION_WITHIN_BOUNDS: the queue emptied but a model bound cut
 * transitions (STEP_CUT: their states were never explored). Neither is a proof.
 */
export type Verdict = 'PROVED' | 'NO_VIOLATION_UP_TO_DEPTH' | 'NO_VIOLATION_WITHIN_BOUNDS' | 'VIOLATION' | 'STOPPED';

export type StopReason = 'states' | 'seconds' | 'memory' | 'interrupt';

/** A path from an initial state: its index in Model.initialStates(), then the actions taken. */
export interface Trace {
  readonly initial: number;
  readonly actions: readonly number[];
}

/** A broken invariant: its index in Model.invariants, its name, the message on the state found, the shortest path to it. */
export interface Violation {
  readonly invariant: number;
  readonly name: string;
  readonly message: string;
  readonly trace: Trace;
}

/**
 * The JavaScript heap in use, as process.memoryUsage().heapUsed reports it (the same V8
 * figure), without the resident-set read that call also makes: the searches ask every 256
 * states when a time or memory limit is set.
 */
export const heapUsedBytes = (): number => v8.getHeapStatistics().used_heap_size;

export interface Progress {
  readonly distinct: number;
  readonly generated: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly heapBytes: number;
}

export interface SearchResult {
  readonly verdict: Verdict;
  readonly distinct: number;
  /** transitions generated: every action run (but inapplicable ones) and every one counted by a plan */
  readonly generated: number;
  /** the depth of the violation found, else of the deepest level the search reached */
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly storage: 'exact' | 'fingerprint';
  /** birthday-bound probability of a fingerprint collision (0 in exact mode) */
  readonly collisionProbability: number;
  /** bytes of memory the visited set holds at the end */
  readonly storeBytes: number;
  /** the visited set's cost per distinct state (packed state, links, table share), bytes */
  readonly bytesPerState: number;
  readonly packedStateBytes: number;
  /** bytes written to disk (fingerprint mode's trace links and queue or level file), 0 otherwise */
  readonly diskBytes: number;
  readonly peakHeapBytes: number;
  /** the depth bound, if any */
  readonly depthBound?: number;
  /** successors a model bound cut (STEP_CUT) */
  readonly cut: number;
  readonly stoppedBy?: StopReason;
  /** the names of the checked invariants whose violation stops the search */
  readonly stopOn: readonly string[];
  /** the first violation of a stopping invariant, in BFS order */
  readonly violation?: Violation;
  /** violations of non-stopping invariants, the first of each, in the order found */
  readonly quality: readonly Violation[];
  /** transitions generated per coverage key (Model.actionKeys, in its order) */
  readonly actionCounts: Readonly<Record<string, number>>;
  /** the model's counters (Model.readCounters), summed over the workers */
  readonly modelCounters: Float64Array;
  readonly reachability: readonly { readonly name: string; readonly description: string; readonly reached: boolean; readonly depth?: number }[];
}

/** A violation a search found: the state it was found in, the invariant's index, its message. */
export interface Found {
  readonly id: number;
  readonly invariant: number;
  readonly message: string;
}

/**
 * The violations and reachability a search records, first in BFS order: the first violation
 * of a stopping invariant, the first of each other one (whose check the search then skips:
 * `skipInv`), and each reachability property's first depth (`skipReach`).
 */
export class Findings {
  stop: Found | null = null;
  /** per invariant index, in the order found */
  readonly quality = new Map<number, Found>();
  readonly reachedAt: (number | undefined)[];

  /**
   * @param stops per invariant: 1 if its violation stops the search
   * @param skipInv, skipReach per invariant and reachability: set to 1 once recorded
   */
  constructor(
    readonly stops: Uint8Array,
    readonly skipInv: Uint8Array,
    readonly skipReach: Uint8Array,
  ) {
    this.reachedAt = Array.from(skipReach, () => undefined);
  }

  broke(i: number, id: number, message: string): void {
    if (this.stops[i]) {
      if (!this.stop) this.stop = { id, invariant: i, message };
    } else if (!this.quality.has(i)) {
      this.quality.set(i, { id, invariant: i, message });
      this.skipInv[i] = 1;
    }
  }

  reached(r: number, depth: number): void {
    if (this.reachedAt[r] !== undefined) return;
    this.reachedAt[r] = depth;
    this.skipReach[r] = 1;
  }
}

/** The verdict of a search that ended (see Verdict). */
export const verdictOf = (violation: boolean, stoppedBy: StopReason | undefined, depthCut: boolean, cut: number): Verdict =>
  violation ? 'VIOLATION' : stoppedBy ? 'STOPPED' : depthCut ? 'NO_VIOLATION_UP_TO_DEPTH' : cut > 0 ? 'NO_VIOLATION_WITHIN_BOUNDS' : 'PROVED';

/** A visited set's parent links (the sequential store's or the shared one's). */
export interface Links {
  parentOf(id: number): number;
  actionOf(id: number): number;
}

/** The path from an initial state to state id, along its parent links (each read once); a root's action is its initial index. */
export const traceOf = (links: Links, id: number): Trace => {
  const actions: number[] = [];
  let x = id;
  for (let p = links.parentOf(x); p >= 0; x = p, p = links.parentOf(x)) actions.push(links.actionOf(x));
  return { initial: links.actionOf(x), actions: actions.reverse() };
};

/** What both searches know at their end, to make a SearchResult of. */
export interface Ending {
  readonly names: readonly string[];
  readonly stops: Uint8Array;
  readonly reach: readonly { readonly name: string; readonly description: string }[];
  readonly findings: Findings;
  readonly links: Links | null;
  readonly exact: boolean;
  readonly distinct: number;
  /** the level reached (used when no violation stopped the search) */
  readonly depth: number;
  readonly depthCut: boolean;
  readonly depthBound: number | undefined;
  readonly stoppedBy: StopReason | undefined;
  readonly counters: Float64Array;
  readonly actionKeys: readonly string[];
  readonly seconds: number;
  readonly storeBytes: number;
  readonly bytesPerState: number;
  readonly packedStateBytes: number;
  readonly diskBytes: number;
  readonly peakHeapBytes: number;
}

/** The counter vector of a search (expand.ts): [generated, cut, per action key, per reachability, the model's]. */
export const C_GENERATED = 0;
export const C_CUT = 1;
export const C_KEYS = 2;

export const resultOf = (e: Ending): SearchResult => {
  const f = e.findings;
  const violationOf = (x: Found): Violation => {
    const trace = e.links ? traceOf(e.links, x.id) : { initial: 0, actions: [] };
    return { invariant: x.invariant, name: e.names[x.invariant], message: x.message, trace };
  };
  const violation = f.stop ? violationOf(f.stop) : undefined;
  const nK = e.actionKeys.length;
  const reachBase = C_KEYS + nK;
  return {
    verdict: verdictOf(violation !== undefined, e.stoppedBy, e.depthCut, e.counters[C_CUT]),
    distinct: e.distinct,
    generated: e.counters[C_GENERATED],
    depth: violation ? violation.trace.actions.length : e.depth,
    seconds: e.seconds,
    statesPerSecond: e.distinct / Math.max(e.seconds, 1e-9),
    storage: e.exact ? 'exact' : 'fingerprint',
    collisionProbability: e.exact ? 0 : collisionProbability(e.distinct),
    storeBytes: e.storeBytes,
    bytesPerState: e.bytesPerState,
    packedStateBytes: e.packedStateBytes,
    diskBytes: e.diskBytes,
    peakHeapBytes: e.peakHeapBytes,
    depthBound: e.depthBound,
    cut: e.counters[C_CUT],
    stoppedBy: e.stoppedBy,
    stopOn: e.names.filter((_, i) => e.stops[i]),
    violation,
    quality: [...f.quality.values()].map(violationOf),
    actionCounts: Object.fromEntries(e.actionKeys.map((k, i) => [k, e.counters[C_KEYS + i]])),
    modelCounters: e.counters.slice(reachBase + e.reach.length),
    reachability: e.reach.map((r, i) => ({ name: r.name, description: r.description, reached: f.reachedAt[i] !== undefined, depth: f.reachedAt[i] })),
  };
};
