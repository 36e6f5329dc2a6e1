/**
 * The parallel search (`workers > 1`): the sequential search (sequential.ts), level by level,
 * on worker threads (worker.ts, pool.ts) over a shared visited set (sharedStore.ts). The
 * main thread coordinates; it never expands states except to recount part of one level when
 * the search stops inside it. Both run the same expansion core (expand.ts) and seed the same
 * initial states (Expander.seed).
 *
 * Level-synchronous BFS: the workers expand the states of depth d (grabbing chunks of
 * positions with an atomic counter) and insert their successors, depth d+1, into the shared
 * store; each new state carries the smallest BFS key among its discoveries (parent position
 * x actions + action; a level with more positions than 32-bit keys can tell apart goes in
 * windows of positions, one round each, whose states count their keys from the window's
 * first position and come after the earlier windows' in ids and in BFS order). At the end of
 * the level the main thread sorts the new states by key: that is the order the sequential
 * search inserts them in, so the parents, the actions and every "first" the sequential search
 * records are recovered exactly:
 *
 * - the violation that stops the search is the first state in that order that breaks a
 *   stopping invariant (the first such invariant in the model's order), with the sequential
 *   search's shortest trace; the distinct count is the sequential one at that point;
 * - the states limit cuts the level after the same parent as the sequential search;
 * - quality violations and reachability are the first in that order; counters stop where the
 *   sequential search stops (worker snapshots per chunk, and the main thread recounts the
 *   chunk the stop falls in).
 *
 * So a run that is not stopped by time, memory or an interrupt reports the same result as the
 * sequential search, time and memory figures aside. Coordination uses only shared memory,
 * Atomics.wait and receiveMessageOnPort, so the same generator serves a synchronous run
 * (blocking) and an asynchronous one (it yields progress every 100 ms; an interrupt halts
 * the workers after their current chunk).
 */
import os from 'node:os';
import { Expander, type Sink } from './expand.ts';
import type { Model, ModelSpec } from './model.ts';
import { acquire, release, WAIT_MS, type Pool } from './pool.ts';
import type { Reply, Request, StoreUpdates } from './protocol.ts';
import { Findings, heapUsedBytes, resultOf, type Links, type Progress, type SearchResult, type StopReason } from './result.ts';
import type { SearchOptions } from './search.ts';
import {
  C_COUNT,
  C_DONE,
  C_HALT,
  C_MARGIN,
  C_MAX_STATES,
  C_NEXT,
  C_READY,
  C_TABLE_LIMIT,
  HALT_EXTERNAL,
  HALT_GROW,
  KEY_LIMIT,
  SEG_STATES,
  SharedStoreOwner,
  TABLE_MAX_LOAD,
  residentBytes,
  type SegmentBuffers,
  type TableRef,
} from './sharedStore.ts';
import type { LevelRef } from './spill.ts';

/** the interval between progress reports */
const YIELD_MS = 100;
const START_TIMEOUT_MS = 120_000;

/** The initial states, gathered on the main thread before any worker runs (a Sink of Expander.seed). */
class Roots implements Sink, Links {
  halted = false;
  readonly packed: Uint8Array[] = [];
  readonly fps: [number, number][] = [];
  private readonly initial: number[] = [];

  constructor(
    private readonly core: Expander,
    private readonly findings: Findings,
  ) {}

  insert(h1: number, h2: number, _ref: number, action: number): number {
    const p = this.core.packed;
    if (this.packed.some((q) => q.every((b, i) => b === p[i]))) return -1;
    this.packed.push(p.slice());
    this.fps.push([h1, h2]);
    this.initial.push(action);
    return this.packed.length - 1;
  }
  broke(i: number, id: number, message: string): void {
    this.findings.broke(i, id, message);
    if (this.findings.stop) this.halted = true;
  }
  reached(r: number): void {
    this.findings.reached(r, 0);
  }
  parentOf(): number {
    return -1;
  }
  actionOf(id: number): number {
    return this.initial[id];
  }
}

/** A level's expansion: where its states start, its chunks, its windows, the workers' counters and findings. */
interface Expansion {
  readonly nextStart: number;
  readonly chunk: number;
  /** each window's first position and first id (the states it inserted) */
  readonly windows: { readonly base: number; readonly idStart: number }[];
  readonly counters: Float64Array;
  /** whether every position was expanded */
  readonly complete: boolean;
  /** per invariant, per reachability property: ids of new states that have it */
  readonly invIds: number[][];
  readonly reachIds: number[][];
}

/** A level in BFS order. */
interface Sorted {
  readonly nNew: number;
  /** ids in BFS order, their keys, each id's rank (id - nextStart), per parent position the end of its states (prefix sums) */
  readonly orderBuf: SharedArrayBuffer;
  readonly order: Int32Array;
  readonly keys: Float64Array;
  readonly rank: Int32Array;
  readonly bucket: Int32Array;
}

type Pending = { segments: SegmentBuffers[]; table?: TableRef; dropBytes: number[]; dropLinks: number[] };

class LevelSearch {
  readonly core: Expander;
  readonly findings: Findings;
  readonly exact: boolean;
  readonly nA: number;
  readonly keySpace: number;
  readonly t0 = performance.now();
  pool: Pool | null = null;
  store: SharedStoreOwner | null = null;
  private roots: Roots;
  private stoppedBy: StopReason | undefined;
  /** why the main thread halted the workers (time, memory, interrupt) */
  private external: StopReason | undefined;
  private depthCut = false;
  private depth = 0;
  private distinct = 0;
  private peakHeap = 0;
  private counters: Float64Array;
  private orderBytes = 0;
  private pending: Pending = { segments: [], dropBytes: [], dropLinks: [] };
  /** the level being expanded: its depth, the states in the levels before it and in it, its ids in BFS order, its file */
  private curDepth = 0;
  private known = 0;
  private curSize = 0;
  private curOrderBuf = new SharedArrayBuffer(4);
  private curOrder: Int32Array = new Int32Array(this.curOrderBuf);
  private levelFile: LevelRef | null = null;
  /** fingerprint mode: a packed state read back from the level file */
  private readonly levelBytes: Uint8Array;

  constructor(
    readonly model: Model,
    readonly spec: ModelSpec,
    readonly opts: SearchOptions,
    stops: Uint8Array,
    readonly W: number,
  ) {
    this.core = new Expander(model);
    this.exact = opts.exact ?? true;
    this.nA = model.actionCount;
    this.keySpace = Math.min(opts.keySpace ?? KEY_LIMIT, KEY_LIMIT);
    if (this.keySpace < this.nA) throw new Error(`parallel search: a key space of ${this.keySpace} is below one position's ${this.nA} actions`);
    this.findings = new Findings(stops, new Uint8Array(model.invariants.length), new Uint8Array(model.reachability.length));
    this.counters = new Float64Array(this.core.size);
    this.roots = new Roots(this.core, this.findings);
    this.levelBytes = new Uint8Array(model.packedBytes);
  }

  /** As the sequential search counts it: the main thread's heap and the store (the workers' own heaps are not in it). */
  private heapNow(): number {
    const heap = heapUsedBytes() + (this.store?.bytesUsed() ?? 0) + this.orderBytes;
    this.peakHeap = Math.max(this.peakHeap, heap);
    return heap;
  }

  *run(): Generator<Progress, SearchResult, boolean | undefined> {
    this.core.resetCounts();
    this.core.seed(this.roots);
    this.distinct = this.known = this.curSize = this.roots.packed.length;
    if (this.findings.stop) return this.result();
    const pool = (this.pool = acquire(this.W));
    let ok = false;
    try {
      this.openStore(pool);
      if (!pool.ready) {
        yield* this.waitFor(C_READY, this.W);
        pool.ready = true;
      }
      this.ensureRoom(1);
      const first = this.takeUpdates();
      const st = this.store!;
      yield* this.round(() => ({ type: 'search', spec: this.spec, exact: this.exact, segments: st.segmentBuffers.slice(), table: first.table ?? st.tableRef }));
      yield* this.levels();
      ok = true;
    } finally {
      release(pool, ok);
    }
    return this.result();
  }

  /** The shared store, holding the initial states (level 0, in their order). */
  private openStore(pool: Pool): void {
    const ctrl = pool.ctrl;
    // the table grows in place in address space reserved up to the memory limit (or half
    // the machine's memory), as the sequential fingerprint store does (sharedStore.ts)
    const st = (this.store = new SharedStoreOwner(this.model.packedBytes, this.exact, ctrl, undefined, this.opts.maxMemoryBytes ?? os.totalmem() / 2));
    const roots = this.roots;
    roots.packed.forEach((p, i) => st.insertOne(p, roots.fps[i][0], roots.fps[i][1], roots.actionOf(i)));
    Atomics.store(ctrl, C_MAX_STATES, this.opts.maxStates === undefined ? -1 : Math.min(this.opts.maxStates, 0x7fffffff));
    this.curOrderBuf = new SharedArrayBuffer(4 * Math.max(1, this.curSize));
    this.curOrder = new Int32Array(this.curOrderBuf);
    for (let i = 0; i < this.curSize; i++) this.curOrder[i] = i;
    // fingerprint mode: the level being expanded is read from a file, in BFS order, so that
    // only the level being built holds bytes in memory (spill.ts LevelFile)
    this.levelFile = this.exact ? null : st.writeLevel(this.curOrder, this.curSize);
  }

  /** Level by level, until the search ends. */
  private *levels(): Generator<Progress, void, boolean | undefined> {
    for (let d = 0; ; d++) {
      this.curDepth = d;
      this.depth = d;
      this.distinct = this.known;
      if (this.opts.depth !== undefined && d >= this.opts.depth) {
        this.depthCut = true;
        return;
      }
      if (this.external) {
        this.stoppedBy = this.external;
        return;
      }
      const level = yield* this.expandLevel();
      if (!level) {
        this.stoppedBy = 'memory';
        return;
      }
      const sorted = this.sortLevel(level);
      if (yield* this.closeLevel(d, level, sorted)) return;
      this.advance(sorted);
    }
  }

  /** Expand the current level on the workers, window by window, growing the store at their pauses (null: no memory to start it). */
  private *expandLevel(): Generator<Progress, Expansion | null, boolean | undefined> {
    const st = this.store!;
    const ctrl = this.pool!.ctrl;
    const { nA, curSize } = this;
    const nextStart = st.count;
    st.levelStart = nextStart;
    // a BFS key (position x actions + action) is 32 bits: a level with more positions than
    // fit is expanded in windows of whole chunks, each counting its keys from its first
    // position (see sortLevel)
    const fit = Math.floor(this.keySpace / nA);
    const chunk = Math.max(1, Math.min(1024, Math.ceil(curSize / (this.W * 128)), fit));
    const windowSize = Math.floor(fit / chunk) * chunk;
    const margin = this.W * chunk * nA;
    Atomics.store(ctrl, C_MARGIN, margin);
    Atomics.store(ctrl, C_NEXT, 0);
    Atomics.store(ctrl, C_HALT, 0);
    if (!this.ensureRoom(margin)) return null;
    // the workers skip what is settled; the main thread's core, for its recount, likewise
    const core = this.core;
    core.skipInv.set(this.findings.skipInv);
    core.skipReach.set(this.findings.skipReach);
    core.updateMarks();
    const level: Expansion = { nextStart, chunk, windows: [], counters: this.counters, complete: false, invIds: this.model.invariants.map(() => []), reachIds: this.model.reachability.map(() => []) };
    let counters = this.counters;
    for (let base = 0; ; ) {
      const end = Math.min(curSize, base + windowSize);
      st.levelStart = st.count;
      level.windows.push({ base, idStart: st.count });
      Atomics.store(ctrl, C_NEXT, base);
      const updates = this.takeUpdates();
      const req: Request =
        base === 0
          ? { type: 'level', updates, levelStart: nextStart, order: this.curOrderBuf, levelFile: this.levelFile, levelSize: end, chunk, share: Math.ceil(curSize / this.W), skipInv: core.skipInv.slice(), skipReach: core.skipReach.slice() }
          : { type: 'window', updates, levelStart: st.levelStart, keyBase: base, end };
      counters = this.gather(level, yield* this.round(() => req));
      for (;;) {
        const h = Atomics.load(ctrl, C_HALT);
        if (Atomics.load(ctrl, C_NEXT) >= end || h & ~HALT_GROW || this.external) break;
        if (!this.ensureRoom(margin)) {
          this.external = 'memory';
          break;
        }
        Atomics.store(ctrl, C_HALT, 0);
        const up = this.takeUpdates();
        counters = this.gather(level, yield* this.round(() => ({ type: 'resume', updates: up })));
      }
      if (Atomics.load(ctrl, C_NEXT) < end || end === curSize) break;
      base = end;
    }
    return { ...level, counters, complete: Atomics.load(ctrl, C_NEXT) >= curSize };
  }

  /** The workers' round replies: their counters summed (cumulative), their findings added to the level's. */
  private gather(level: Expansion, replies: Reply[]): Float64Array {
    const sum = new Float64Array(this.core.size);
    for (const r of replies) {
      if (r.type !== 'round') throw new Error(`parallel search: unexpected reply ${r.type}`);
      for (let i = 0; i < sum.length; i++) sum[i] += r.counters[i];
      r.inv.forEach((l, i) => {
        for (const id of l) level.invIds[i].push(id);
      });
      r.reach.forEach((l, i) => {
        for (const id of l) level.reachIds[i].push(id);
      });
    }
    return sum;
  }

  /** The level's new states in BFS order (their keys), and their parent links set. */
  private sortLevel(level: Expansion): Sorted {
    const st = this.store!;
    const { nA, curSize } = this;
    const count = st.count;
    const nNew = count - level.nextStart;
    const windows = level.windows;
    // a state's key in the level: its window's first position x actions + its key there
    // (below 2^53: positions below 2^31, actions below 2^16); a window's states come after
    // the earlier windows' in ids and in BFS order, so the order is the one a single window
    // would give
    const keyOf = (id: number, w: number): number => windows[w].base * nA + st.actionOf(id);
    const windowEnd = (w: number): number => (w + 1 < windows.length ? windows[w + 1].idStart : count);
    const bucket = new Int32Array(curSize + 1);
    // every id of the level is a state (sharedStore.ts: no holes)
    for (let w = 0; w < windows.length; w++) for (let id = windows[w].idStart; id < windowEnd(w); id++) bucket[Math.floor(keyOf(id, w) / nA) + 1]++;
    for (let i = 0; i < curSize; i++) bucket[i + 1] += bucket[i];
    const orderBuf = new SharedArrayBuffer(4 * Math.max(1, nNew));
    const order = new Int32Array(orderBuf);
    const keys = new Float64Array(Math.max(1, nNew));
    const fill = bucket.slice(0, curSize);
    for (let w = 0; w < windows.length; w++)
      for (let id = windows[w].idStart; id < windowEnd(w); id++) {
        const k = keyOf(id, w);
        const b = Math.floor(k / nA);
        // insertion by key within the parent's bucket (at most one state per action)
        let j = fill[b]++;
        while (j > bucket[b] && keys[j - 1] > k) {
          keys[j] = keys[j - 1];
          order[j] = order[j - 1];
          j--;
        }
        keys[j] = k;
        order[j] = id;
      }
    const rank = new Int32Array(Math.max(1, nNew)).fill(-1);
    for (let r = 0; r < nNew; r++) {
      const id = order[r];
      const k = keys[r];
      rank[id - level.nextStart] = r;
      st.setLinks(id, this.curOrder[Math.floor(k / nA)], k % nA);
    }
    return { nNew, orderBuf, order, keys, rank, bucket };
  }

  /**
   * Where the sequential search would stop in this level, and what it would have recorded up
   * to there; true when the search ends here.
   */
  private *closeLevel(d: number, level: Expansion, s: Sorted): Generator<Progress, boolean, boolean | undefined> {
    const { nA, known, curSize, findings } = this;
    const stops = findings.stops;
    const parentPos = (r: number): number => Math.floor(s.keys[r] / nA);
    const minRank = (ids: readonly number[], limit: number): number => {
      let m = Infinity;
      for (const id of ids) {
        const r = s.rank[id - level.nextStart];
        if (r >= 0 && r < m && r <= limit) m = r;
      }
      return m;
    };
    // the states limit: the sequential search stops after the parent that fills it
    let statesCut: { p: number; n: number } | null = null;
    const maxStates = this.opts.maxStates;
    if (maxStates !== undefined && known + s.nNew >= maxStates) {
      const need = maxStates - known;
      const p = need <= 0 ? 0 : parentPos(need - 1);
      const n = s.bucket[p + 1];
      if (p < curSize - 1 || n > 0) statesCut = { p, n };
    }
    // the first state that breaks a stopping invariant (the first such invariant)
    let v = Infinity;
    let vInv = -1;
    for (let i = 0; i < stops.length; i++) {
      if (!stops[i]) continue;
      const m = minRank(level.invIds[i], s.nNew - 1);
      if (m < v) {
        v = m;
        vInv = i;
      }
    }
    const violated = v < Infinity && (!statesCut || parentPos(v) <= statesCut.p);
    const cutRank = violated ? v : statesCut ? statesCut.n - 1 : s.nNew - 1;
    const cut = violated ? { pos: parentPos(v), last: s.keys[v] % nA } : statesCut ? { pos: statesCut.p, last: nA - 1 } : null;
    this.recordFirsts(d, level, s, cutRank, minRank);
    this.counters = cut ? yield* this.recount(level.chunk, cut.pos, cut.last) : level.counters;
    const reachBase = this.core.reachBase;
    for (let r = 0; r < this.model.reachability.length; r++) if (this.counters[reachBase + r] > 0) findings.reached(r, d + 1);
    if (violated) {
      const id = s.order[v];
      findings.broke(vInv, id, this.model.invariants[vInv].check(this.stateOf(id)) ?? '');
      this.distinct = known + v + 1;
      this.depth = d + 1;
    } else if (statesCut) {
      this.stoppedBy = 'states';
      this.distinct = known + statesCut.n;
    } else if (!level.complete) {
      this.stoppedBy = this.external ?? 'memory';
      this.distinct = known + s.nNew;
    }
    return violated || statesCut !== null || !level.complete || s.nNew === 0;
  }

  /** Quality violations and reachability predicates: the first in BFS order, up to the cut. */
  private recordFirsts(d: number, level: Expansion, s: Sorted, cutRank: number, minRank: (ids: readonly number[], limit: number) => number): void {
    const findings = this.findings;
    const firsts: { r: number; i: number }[] = [];
    for (let i = 0; i < findings.stops.length; i++) {
      if (findings.stops[i] || findings.quality.has(i)) continue;
      const m = minRank(level.invIds[i], cutRank);
      if (m < Infinity) firsts.push({ r: m, i });
    }
    firsts.sort((a, b) => a.r - b.r || a.i - b.i);
    for (const { r, i } of firsts) {
      const id = s.order[r];
      findings.broke(i, id, this.model.invariants[i].check(this.stateOf(id)) ?? '');
    }
    level.reachIds.forEach((ids, r) => {
      if (minRank(ids, cutRank) < Infinity) findings.reached(r, d + 1);
    });
  }

  /** The counters up to the cut (position pos, its actions up to last): the workers' chunks before it, and a recount of its chunk here. */
  private *recount(chunk: number, pos: number, last: number): Generator<Progress, Float64Array, boolean | undefined> {
    const c = Math.floor(pos / chunk);
    const replies = yield* this.round(() => ({ type: 'prefix', chunk: c }));
    const sum = new Float64Array(this.core.size);
    for (const r of replies) {
      if (r.type !== 'prefix') throw new Error(`parallel search: unexpected reply ${r.type}`);
      for (let i = 0; i < sum.length; i++) sum[i] += r.counters[i];
    }
    const core = this.core;
    core.resetCounts();
    for (let p = c * chunk; p <= pos; p++) {
      this.loadLevelState(p);
      core.expand(p, p === pos ? last : this.nA - 1, null);
    }
    const mine = core.snapshot();
    for (let i = 0; i < sum.length; i++) sum[i] += mine[i];
    return sum;
  }

  /** The next level becomes the current one; fingerprint mode writes it to the level file and lets go of what is on disk. */
  private advance(s: Sorted): void {
    const st = this.store!;
    this.known += s.nNew;
    // fingerprint mode: the level's links are final; they go to the file with the earlier
    // levels', the level itself to the level file in BFS order, and the workers let go of
    // the segments that held them
    this.pending.dropLinks.push(...st.spillLinks(st.count));
    if (!this.exact) {
      this.levelFile = st.writeLevel(s.order, s.nNew);
      this.pending.dropBytes.push(...st.dropBytesBelow(st.count));
    }
    this.curSize = s.nNew;
    this.curOrderBuf = s.orderBuf;
    this.curOrder = s.order;
    this.orderBytes = s.orderBuf.byteLength;
  }

  /** A stored state of the level being built, unpacked into the core's cur. */
  private stateOf(id: number): Uint8Array {
    const st = this.store!;
    this.core.load(st.stateSegment(id), st.stateOffset(id));
    return this.core.cur;
  }

  /** The state at position pos of the level being expanded, unpacked into the core's cur. */
  private loadLevelState(pos: number): void {
    if (this.exact) {
      this.stateOf(this.curOrder[pos]);
      return;
    }
    this.store!.levelState(pos, this.levelBytes);
    this.core.load(this.levelBytes, 0);
  }

  private halt(why: StopReason): void {
    this.external = why;
    Atomics.or(this.pool!.ctrl, C_HALT, HALT_EXTERNAL);
  }

  /** Wait until the control word reaches n, reporting progress and watching the limits. */
  private *waitFor(word: number, n: number): Generator<Progress, void, boolean | undefined> {
    const pool = this.pool!;
    const ctrl = pool.ctrl;
    let lastYield = performance.now();
    const start = lastYield;
    for (;;) {
      const f = pool.failed();
      if (f) throw new Error(`parallel search: ${f}`);
      const v = Atomics.load(ctrl, word);
      if (v >= n) return;
      Atomics.wait(ctrl, word, v, WAIT_MS);
      const now = performance.now();
      if (word === C_READY && now - start > START_TIMEOUT_MS) throw new Error('parallel search: the workers did not start');
      const seconds = (now - this.t0) / 1000;
      if (!this.external && this.opts.maxSeconds !== undefined && seconds > this.opts.maxSeconds) this.halt('seconds');
      if (now - lastYield < YIELD_MS) continue;
      lastYield = now;
      const heap = this.heapNow();
      if (!this.external && this.opts.maxMemoryBytes !== undefined && heap > this.opts.maxMemoryBytes) this.halt('memory');
      const count = Atomics.load(ctrl, C_COUNT);
      const expanded = this.known - this.curSize + Math.min(Atomics.load(ctrl, C_NEXT), this.curSize);
      const interrupted = yield {
        distinct: count,
        generated: pool.progress.reduce((a, b) => a + b, 0),
        queue: Math.max(0, count - expanded),
        depth: this.curDepth,
        seconds,
        statesPerSecond: count / Math.max(seconds, 1e-9),
        heapBytes: heap,
      };
      if (interrupted && !this.external) this.halt('interrupt');
    }
  }

  private *round(reqs: (i: number) => Request): Generator<Progress, Reply[], boolean | undefined> {
    this.pool!.start(reqs);
    yield* this.waitFor(C_DONE, this.W);
    return this.pool!.collect();
  }

  /** Room for `margin` more states (segments, table); false when memory does not allow it. */
  private ensureRoom(margin: number): boolean {
    const st = this.store!;
    const count = st.count;
    const limit = this.opts.maxMemoryBytes;
    const affordable = (bytes: number): boolean => limit === undefined || this.heapNow() + bytes <= limit;
    try {
      if (count + 2 * margin > st.capacity) {
        while (count + 2 * margin > st.capacity) {
          if (!affordable(st.segmentCost()) || st.capacity + SEG_STATES > 0x7ffffff0) return false;
          this.pending.segments.push(st.addSegment());
        }
        // an eighth more, so that pauses stay rare
        for (let extra = Math.floor(st.segments / 8); extra > 0; extra--) {
          if (!affordable(st.segmentCost()) || st.capacity + SEG_STATES > 0x7ffffff0) break;
          this.pending.segments.push(st.addSegment());
        }
      }
      if (count + 2 * margin > Atomics.load(this.pool!.ctrl, C_TABLE_LIMIT)) {
        // twice the entries the table may take before the next pause: load TABLE_MAX_LOAD / 2
        // to TABLE_MAX_LOAD (slots, not words: a slot is two words)
        let slots = st.slots;
        while ((count + 2 * margin) / TABLE_MAX_LOAD > slots) slots *= 2;
        if (!affordable(st.tableCost(slots))) return false;
        this.pending.table = st.rehash(slots);
      }
    } catch (e) {
      if (e instanceof RangeError) return false;
      throw e;
    }
    return true;
  }

  private takeUpdates(): StoreUpdates {
    const out = this.pending;
    this.pending = { segments: [], dropBytes: [], dropLinks: [] };
    return out;
  }

  private result(): SearchResult {
    const seconds = (performance.now() - this.t0) / 1000;
    this.heapNow();
    const { model, store, exact, distinct } = this;
    // the visited set's cost per distinct state if the segments were exactly full (per-state data, table share)
    const perState = residentBytes(exact) + (exact ? model.packedBytes : 0) + (store ? store.table.byteLength / Math.max(1, distinct) : 0);
    return resultOf({
      names: model.invariants.map((i) => i.name),
      stops: this.findings.stops,
      reach: model.reachability,
      findings: this.findings,
      links: store ?? this.roots,
      exact,
      distinct,
      depth: this.depth,
      depthCut: this.depthCut,
      depthBound: this.opts.depth,
      stoppedBy: this.stoppedBy,
      counters: this.counters,
      actionKeys: model.actionKeys,
      seconds,
      storeBytes: store?.bytesUsed() ?? 0,
      bytesPerState: perState,
      packedStateBytes: model.packedBytes,
      diskBytes: store?.diskBytes() ?? 0,
      peakHeapBytes: this.peakHeap,
    });
  }
}

/** The parallel search; its store's files are removed however it ends. */
export function* parallelSearch(model: Model, spec: ModelSpec, opts: SearchOptions, stops: Uint8Array, workers: number): Generator<Progress, SearchResult, boolean | undefined> {
  const s = new LevelSearch(model, spec, opts, stops, workers);
  try {
    return yield* s.run();
  } finally {
    s.store?.close();
  }
}
