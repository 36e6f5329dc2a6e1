/**
 * The sequential search: breadth-first over a model's actions from its initial states, on
 * this thread, so the first violation found is a shortest one. The visited set is the queue
 * (store.ts: states in BFS order); the expansion core is expand.ts.
 *
 * A generator: it yields progress every `yieldEvery` expanded states, so that a caller can
 * report it, honour Ctrl-C and stay responsive; the time and memory limits are watched every
 * 256 states whether or not it yields.
 */
import os from 'node:os';
import { Expander, HALT, type Sink } from './expand.ts';
import type { Model } from './model.ts';
import { Findings, heapUsedBytes, resultOf, type Progress, type SearchResult, type StopReason } from './result.ts';
import type { SearchOptions } from './search.ts';
import { StateStore } from './store.ts';

/** The store's action field is 16 bits (store.ts). */
const MAX_ACTIONS = 0xffff;

class SequentialSearch implements Sink {
  readonly core: Expander;
  readonly store: StateStore;
  readonly findings: Findings;
  halted = false;
  stoppedBy: StopReason | undefined;
  /** the depth of the states being expanded (-1 while seeding) */
  private depth = -1;
  private depthCut = false;
  private peakHeap = 0;
  private readonly t0 = performance.now();

  constructor(
    readonly model: Model,
    readonly opts: SearchOptions,
    stops: Uint8Array,
  ) {
    if (model.actionCount > MAX_ACTIONS) throw new Error(`${model.actionCount} actions: more than the store's 16-bit action index`);
    this.core = new Expander(model);
    const exact = opts.exact ?? true;
    // fingerprint mode: the table grows in place in address space reserved up to the memory
    // limit (or half the machine's memory), so a growth never holds two tables (store.ts)
    this.store = new StateStore(model.packedBytes, exact, undefined, exact ? 0 : (opts.maxMemoryBytes ?? os.totalmem() / 2));
    this.findings = new Findings(stops, this.core.skipInv, this.core.skipReach);
  }

  insert(h1: number, h2: number, ref: number, action: number): number {
    try {
      return this.store.add(this.core.packed, h1, h2, ref, action);
    } catch (e) {
      // the machine ran out of memory for the store before the limit did: stop cleanly
      if (!(e instanceof RangeError)) throw e;
      this.stoppedBy = 'memory';
      this.halted = true;
      return HALT;
    }
  }

  broke(i: number, id: number, message: string): void {
    this.findings.broke(i, id, message);
    if (this.findings.stop) this.halted = true;
  }

  reached(r: number): void {
    this.findings.reached(r, this.depth + 1);
  }

  /** The reachability marks counted while expanding the current level: reached one level down. */
  private settleMarks(): void {
    const c = this.core;
    for (let r = 0; r < this.model.reachability.length; r++) if (c.counters[c.reachBase + r] > 0) this.findings.reached(r, this.depth + 1);
    c.updateMarks();
  }

  *run(): Generator<Progress, SearchResult, boolean | undefined> {
    const { core, store, opts } = this;
    core.resetCounts();
    core.seed(this);
    this.depth = 0;
    const last = this.model.actionCount - 1;
    const yieldEvery = opts.yieldEvery ?? 2000;
    let levelEnd = store.count;
    this.model.levelAhead?.(levelEnd);
    let head = 0;
    let sinceYield = 0;
    let sinceLimits = 0;
    while (head < store.count && !this.halted) {
      if (head === levelEnd) {
        this.settleMarks();
        this.depth++;
        levelEnd = store.count;
        this.model.levelAhead?.(levelEnd - head);
      }
      if (opts.depth !== undefined && this.depth >= opts.depth) {
        this.depthCut = true;
        break;
      }
      const id = head++;
      core.load(store.stateChunk(id), store.stateOffset(id));
      core.expand(id, last, this);
      store.release(head);
      if (this.halted) break;
      if (opts.maxStates !== undefined && store.count >= opts.maxStates && head < store.count) {
        this.stoppedBy = 'states';
        break;
      }
      if ((++sinceLimits & 255) === 0 && this.overLimits()) break;
      if (++sinceYield >= yieldEvery) {
        sinceYield = 0;
        if (yield this.progress(head)) {
          this.stoppedBy = 'interrupt';
          break;
        }
      }
    }
    this.settleMarks();
    return this.result();
  }

  private heapNow(): number {
    const heap = heapUsedBytes() + this.store.bytesUsed();
    this.peakHeap = Math.max(this.peakHeap, heap);
    return heap;
  }

  /** The time and memory limits (they hold with or without yielding: a synchronous run never yields). */
  private overLimits(): boolean {
    const { maxSeconds, maxMemoryBytes } = this.opts;
    if (maxSeconds === undefined && maxMemoryBytes === undefined) return false;
    const heap = this.heapNow();
    if (maxSeconds !== undefined && (performance.now() - this.t0) / 1000 > maxSeconds) this.stoppedBy = 'seconds';
    else if (maxMemoryBytes !== undefined && heap > maxMemoryBytes) this.stoppedBy = 'memory';
    return this.stoppedBy !== undefined;
  }

  private progress(head: number): Progress {
    const seconds = (performance.now() - this.t0) / 1000;
    const count = this.store.count;
    return {
      distinct: count,
      generated: this.core.counters[0],
      queue: count - head,
      depth: this.depth,
      seconds,
      statesPerSecond: count / Math.max(seconds, 1e-9),
      heapBytes: this.heapNow(),
    };
  }

  private result(): SearchResult {
    const seconds = (performance.now() - this.t0) / 1000;
    this.heapNow();
    const { model, store } = this;
    return resultOf({
      names: model.invariants.map((i) => i.name),
      stops: this.findings.stops,
      reach: model.reachability,
      findings: this.findings,
      links: store,
      exact: store.exact,
      distinct: store.count,
      depth: this.depth,
      depthCut: this.depthCut,
      depthBound: this.opts.depth,
      stoppedBy: this.stoppedBy,
      counters: this.core.snapshot(),
      actionKeys: model.actionKeys,
      seconds,
      storeBytes: store.bytesUsed(),
      bytesPerState: store.bytesPerState(),
      packedStateBytes: model.packedBytes,
      diskBytes: store.diskBytes(),
      peakHeapBytes: this.peakHeap,
    });
  }
}

/** The sequential search; its store's spill files are removed however it ends. */
export function* sequentialSearch(model: Model, opts: SearchOptions, stops: Uint8Array): Generator<Progress, SearchResult, boolean | undefined> {
  const s = new SequentialSearch(model, opts, stops);
  try {
    return yield* s.run();
  } finally {
    s.store.close();
  }
}
