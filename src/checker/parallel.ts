/**
 * The parallel search (`workers > 1`): the sequential search of bfs.ts, level by level, on
 * worker threads (worker.ts) over a shared visited set (sharedStore.ts). The main thread
 * coordinates; it never expands states except to recount part of one level when the search
 * stops inside it.
 *
 * Level-synchronous BFS: the workers expand the states of depth d (grabbing chunks of
 * positions with an atomic counter) and insert their successors, depth d+1, into the shared
 * store; each new state carries the smallest BFS key among its discoveries (parent position
 * x actions + action; a level with more positions than 32-bit keys can tell apart, about 43
 * million with 100 actions, goes in windows of positions, one round each, whose states count
 * their keys from the window's first position and come after the earlier windows' in ids and
 * in BFS order). At the end of the level the main thread sorts the new states by key:
 * that is the order the sequential search inserts them in, so the parents, the actions and
 * every "first" the sequential search records are recovered exactly:
 *
 * - the violation that stops the search is the first state in that order that breaks a
 *   stopping invariant (the first such invariant in the checked order), with the sequential
 *   search's shortest trace; the distinct count is the sequential one at that point;
 * - the states limit cuts the level after the same parent as the sequential search;
 * - quality violations and reachability are the first in that order; counters (generated,
 *   commands, machine edges, notes) stop where the sequential search stops (worker snapshots
 *   per chunk, and the main thread recounts the chunk the stop falls in).
 *
 * So a run that is not stopped by time, memory or an interrupt reports the same result as the
 * sequential search, time and memory figures aside (test/checker/parallel.test.ts).
 *
 * Workers start with a bootstrap that registers tsx's loader when the sources run as
 * TypeScript (`tsx`, vitest), or imports the bundled worker.mjs (`bin/pfnmap.js`), and are
 * kept for the next search (unref'd: they never keep the process alive). The kernel factory of CheckOptions cannot cross threads: a seeded bug of models/mutants.ts is
 * passed by name, any other factory runs the sequential search. Coordination uses only
 * shared memory, Atomics.wait and receiveMessageOnPort, so the same generator serves
 * checkSync (blocking) and checkAsync (it yields progress every 100 ms; an interrupt halts
 * the workers after their current chunk).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { executorOf } from '../../models/trackedKernel.ts';
import { MUTANTS } from '../../models/mutants.ts';
import { invariantsFor } from '../../invariants/index.ts';
import { procOff } from '../state/layout.ts';
import { rebuilder, search, type CheckOptions, type CheckResult, type Progress } from './bfs.ts';
import { actionPath, machineCoverageOf, outcomeOf, searchOf, verdictOf, type Found } from './result.ts';
import {
  C_CAPACITY,
  C_COUNT,
  C_DONE,
  C_ERROR,
  C_GO,
  C_HALT,
  C_MARGIN,
  C_MAX_STATES,
  C_NEXT,
  C_READY,
  C_TABLE_LIMIT,
  C_WORDS,
  HALT_EXTERNAL,
  HALT_GROW,
  KEY_LIMIT,
  SEG_STATES,
  SharedStoreOwner,
  TABLE_MAX_LOAD,
  residentBytes,
  type SegmentBuffers,
  type TableRef,
} from '../engine/sharedStore.ts';
import { Expander, type Reply, type Request, type SearchSetup, type StoreUpdates, type WorkerInit } from './worker.ts';

/** wait slice, and the interval between progress reports */
const WAIT_MS = 50;
const YIELD_MS = 100;
const START_TIMEOUT_MS = 120_000;

/** The URL of tsx's ESM API (to register its loader in a worker), or null when not found. */
const tsxApi = (): string | null => {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    try {
      const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
      return pathToFileURL(pkg.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
    } catch {
      return null;
    }
  }
};

/**
 * The worker's module: worker.ts beside this file when the sources run as TypeScript (tsx,
 * vitest), or worker.mjs beside the bundle this file was bundled into (bin/bundle.js writes
 * both into one directory).
 */
const workerModuleUrl = (): string => new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.mjs', import.meta.url).href;

/** The bootstrap a worker evaluates: register tsx when the worker module is TypeScript, then run it. */
const bootstrap = (workerUrl: string): string => {
  const api = workerUrl.endsWith('.ts') ? tsxApi() : null;
  if (workerUrl.endsWith('.ts') && !api) throw new Error('parallel search: tsx is needed to run the TypeScript worker (npm install tsx)');
  return `
const { workerData } = require('node:worker_threads');
const fail = (e) => {
  const c = new Int32Array(workerData.ctrl);
  try { workerData.port.postMessage({ type: 'error', error: String((e && e.stack) || e) }); } catch {}
  Atomics.store(c, ${C_ERROR}, 1);
  Atomics.add(c, ${C_READY}, 1);
  Atomics.notify(c, ${C_READY});
  Atomics.add(c, ${C_DONE}, 1);
  Atomics.notify(c, ${C_DONE});
};
(${api ? `import(${JSON.stringify(api)}).then((m) => m.register())` : 'Promise.resolve()'})
  .then(() => import(${JSON.stringify(workerUrl)}))
  .then((m) => m.runWorker())
  .catch(fail);
`;
};

/**
 * The worker threads and their control words. Kept between searches (a worker costs about
 * half a second to start: tsx compiles the sources in each), unref'd so that the process can
 * exit while they wait; a search that fails disposes of its pool.
 */
class Pool {
  readonly ctrlBuf = new SharedArrayBuffer(4 * C_WORDS);
  readonly ctrl = new Int32Array(this.ctrlBuf);
  readonly progressBuf: SharedArrayBuffer;
  readonly progress: Float64Array;
  readonly workers: Worker[] = [];
  readonly replies: MessagePort[] = [];
  readonly inboxes: MessagePort[] = [];
  /** errors the event loop saw (only while checkAsync returns to it) */
  readonly failures: string[] = [];
  busy = false;
  ready = false;
  disposed = false;

  constructor(readonly size: number) {
    this.progressBuf = new SharedArrayBuffer(8 * size);
    this.progress = new Float64Array(this.progressBuf);
    const code = bootstrap(workerModuleUrl());
    for (let i = 0; i < size; i++) {
      const reply = new MessageChannel();
      const inbox = new MessageChannel();
      const init: WorkerInit = { kind: 'pfnmap-bfs-worker', index: i, ctrl: this.ctrlBuf, progress: this.progressBuf, port: reply.port2, inbox: inbox.port2 };
      const wk = new Worker(code, { eval: true, execArgv: [], workerData: init, transferList: [reply.port2, inbox.port2] });
      wk.on('error', (e) => this.failures.push(`worker ${i}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
      wk.on('exit', (c) => {
        if (!this.disposed) this.failures.push(`worker ${i} exited (code ${c})`);
      });
      wk.unref();
      reply.port1.unref();
      inbox.port1.unref();
      this.workers.push(wk);
      this.replies.push(reply.port1);
      this.inboxes.push(inbox.port1);
    }
  }

  /** Control words back to a search's start. */
  reset(): void {
    for (const w of [C_COUNT, C_NEXT, C_HALT, C_DONE, C_ERROR, C_CAPACITY, C_TABLE_LIMIT, C_MARGIN]) Atomics.store(this.ctrl, w, 0);
    Atomics.store(this.ctrl, C_MAX_STATES, -1);
    this.progress.fill(0);
  }

  /** Why the pool failed, if it did. */
  failed(): string | null {
    if (this.failures.length) return this.failures.join('\n');
    if (!Atomics.load(this.ctrl, C_ERROR)) return null;
    const msgs: string[] = [];
    for (const port of this.replies)
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) if ((m.message as Reply).type === 'error') msgs.push((m.message as { error: string }).error);
    return msgs.join('\n') || 'a worker failed';
  }

  /** Post one request per worker and start the round. */
  start(reqs: (i: number) => Request): void {
    Atomics.store(this.ctrl, C_DONE, 0);
    for (let i = 0; i < this.size; i++) this.inboxes[i].postMessage(reqs(i));
    Atomics.add(this.ctrl, C_GO, 1);
    Atomics.notify(this.ctrl, C_GO);
  }

  /** The replies of a finished round. */
  collect(): Reply[] {
    const out: Reply[] = [];
    for (let i = 0; i < this.size; i++) {
      let m = receiveMessageOnPort(this.replies[i]);
      for (let k = 0; !m && k < 1_000_000; k++) m = receiveMessageOnPort(this.replies[i]);
      if (!m) throw new Error(`parallel search: no reply from worker ${i}`);
      const r = m.message as Reply;
      if (r.type === 'error') throw new Error(`parallel search: ${r.error}`);
      out.push(r);
    }
    return out;
  }

  /** Block until the control word reaches n (workers idle: a short wait). */
  waitBlocking(word: number, n: number, timeoutMs: number): boolean {
    const t = performance.now();
    for (;;) {
      const v = Atomics.load(this.ctrl, word);
      if (v >= n) return true;
      if (this.failures.length || Atomics.load(this.ctrl, C_ERROR) || performance.now() - t > timeoutMs) return false;
      Atomics.wait(this.ctrl, word, v, WAIT_MS);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const port of this.inboxes) port.postMessage({ type: 'exit' } satisfies Request);
    Atomics.or(this.ctrl, C_HALT, HALT_EXTERNAL);
    Atomics.add(this.ctrl, C_GO, 1);
    Atomics.notify(this.ctrl, C_GO);
    // the exit request ends a waiting worker; terminate ends one still busy (a failed round)
    for (const w of this.workers) w.terminate().catch(() => undefined);
  }
}

let idlePool: Pool | null = null;

/** A pool of n workers for one search (the idle one when it fits, else a new one). */
const acquire = (n: number): Pool => {
  if (idlePool && idlePool.size === n && !idlePool.disposed && !idlePool.failed()) {
    const p = idlePool;
    idlePool = null;
    p.busy = true;
    p.reset();
    return p;
  }
  const p = new Pool(n);
  p.busy = true;
  p.reset();
  return p;
};

/** Give a pool back after a search: its workers drop the search's memory and wait for the next. */
const release = (p: Pool, ok: boolean): void => {
  p.busy = false;
  if (ok && p.ready) {
    p.start(() => ({ type: 'end' }));
    ok = p.waitBlocking(C_DONE, p.size, 10_000) && !p.failed();
    if (ok) p.collect();
  }
  if (!ok || !p.ready) {
    p.dispose();
    return;
  }
  if (idlePool && idlePool !== p) idlePool.dispose();
  idlePool = p;
};

/** The visited set's cost per distinct state if the segments were exactly full (per-state data, table share). */
const perState = (store: SharedStoreOwner | null, exact: boolean, stateBytes: number, distinct: number): number =>
  residentBytes(exact) + (exact ? stateBytes : 0) + (store ? store.table.byteLength / Math.max(1, distinct) : 0);

/** Whether these options can run on worker threads (else the sequential search runs). */
export const parallelizable = (opts: CheckOptions): boolean => !opts.kernel || MUTANTS.some((m) => m.make === opts.kernel);

export function* parallelSearch(opts: CheckOptions): Generator<Progress, CheckResult, boolean | undefined> {
  const W = Math.floor(opts.workers ?? 1);
  if (W < 2 || !parallelizable(opts)) return yield* search({ ...opts, workers: 1 });
  // fingerprint mode: the links file goes with the search, however it ends (as bfs.ts's search)
  let store: SharedStoreOwner | null = null;
  try {
    return yield* levelSearch(opts, W, (s) => (store = s));
  } finally {
    (store as SharedStoreOwner | null)?.close();
  }
}

function* levelSearch(opts: CheckOptions, W: number, opened: (store: SharedStoreOwner) => void): Generator<Progress, CheckResult, boolean | undefined> {
  const t0 = performance.now();
  const u = opts.universe;
  const design = opts.design;
  const all = invariantsFor(design);
  const invs = opts.invariants ? all.filter((i) => opts.invariants!.includes(i.name)) : all;
  const continueOn = new Set(opts.continueOn ?? (opts.invariants ? [] : invs.filter((i) => i.kind === 'quality').map((i) => i.name)));
  const isQuality = invs.map((i) => continueOn.has(i.name));
  const symmetry = opts.symmetry ?? true;
  const exact = opts.exact ?? true;
  const mutant = opts.kernel ? MUTANTS.find((m) => m.make === opts.kernel)!.name : null;
  const setup: SearchSetup = { universe: u, design, mutant, invariants: invs.map((i) => i.name), symmetry, exact };
  const ex = new Expander(setup, opts.kernel);
  /** a stored state, unpacked (a copy) */
  const stateOf = (st: SharedStoreOwner, id: number): Uint8Array => ex.load(st.stateSegment(id), st.stateOffset(id)).slice();
  ex.resetCounts();
  const L = ex.L;
  const nA = ex.nA;
  const keySpace = Math.min(opts.keySpace ?? KEY_LIMIT, KEY_LIMIT);
  if (keySpace < nA) throw new Error(`parallel search: a key space of ${keySpace} is below one position's ${nA} actions`);
  const reach = ex.reach;
  const reachedAt: (number | undefined)[] = reach.map(() => undefined);

  let stop: Found | null = null;
  const quality = new Map<string, Found>();
  let stoppedBy: CheckResult['stoppedBy'];
  let external: CheckResult['stoppedBy'];
  let depthCut = false;
  let depth = 0;
  let distinct = 1;
  let peakHeap = 0;
  let counters: Float64Array = new Float64Array(ex.V);
  let orderBytes = 0;
  let store: SharedStoreOwner | null = null;
  // as the sequential search counts it: the main thread's heap and the store (the workers'
  // own heaps, tens of MB each, are not in it)
  const heapNow = (): number => process.memoryUsage().heapUsed + (store?.bytesUsed() ?? 0) + orderBytes;

  // the initial state: one empty address space (checked as the sequential search does)
  const s0 = new Uint8Array(L.size);
  s0[procOff(L, 0)] = 1;
  ex.canon.canon(s0);
  ex.packer.pack(ex.canon.out, ex.packed);
  ex.fp.run();
  const init = ex.canon.out.slice();
  for (const inv of invs) {
    const msg = inv.check(ex.w, init);
    if (msg === null) continue;
    if (continueOn.has(inv.name)) quality.set(inv.name, { id: 0, invariant: inv, message: msg });
    else if (!stop) stop = { id: 0, invariant: inv, message: msg };
  }
  for (let r = 0; r < reach.length; r++) if (reach[r].state?.(L, init)) reachedAt[r] = 0;

  const pool = stop ? null : acquire(W);
  let ok = false;
  try {
    if (pool) {
      const ctrl = pool.ctrl;
      // the table grows in place in address space reserved up to the memory limit (or half
      // the machine's memory), as the sequential fingerprint store does (sharedStore.ts)
      const st = (store = new SharedStoreOwner(ex.packer.bytes, exact, ctrl, undefined, opts.maxMemoryBytes ?? os.totalmem() / 2));
      opened(st);
      st.insertOne(ex.packed, ex.fp.h1, ex.fp.h2);
      Atomics.store(ctrl, C_MAX_STATES, opts.maxStates === undefined ? -1 : Math.min(opts.maxStates, 0x7fffffff));
      let pending: { segments: SegmentBuffers[]; table?: TableRef; dropBytes: number[]; dropLinks: number[] } = { segments: [], dropBytes: [], dropLinks: [] };
      let curDepth = 0;
      let known = 1; // states in the levels built so far
      let curSize = 1;
      const halt = (why: NonNullable<CheckResult['stoppedBy']>): void => {
        external = why;
        Atomics.or(ctrl, C_HALT, HALT_EXTERNAL);
      };

      /** Wait until the control word reaches n, reporting progress and watching the limits. */
      const waitFor = function* (word: number, n: number): Generator<Progress, void, boolean | undefined> {
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
          const seconds = (now - t0) / 1000;
          if (!external && opts.maxSeconds !== undefined && seconds > opts.maxSeconds) halt('seconds');
          if (now - lastYield >= YIELD_MS) {
            lastYield = now;
            const heap = heapNow();
            peakHeap = Math.max(peakHeap, heap);
            if (!external && opts.maxMemoryBytes !== undefined && heap > opts.maxMemoryBytes) halt('memory');
            const count = Atomics.load(ctrl, C_COUNT);
            const expanded = known - curSize + Math.min(Atomics.load(ctrl, C_NEXT), curSize);
            const interrupted = yield {
              distinct: count,
              generated: pool.progress.reduce((a, b) => a + b, 0),
              queue: Math.max(0, count - expanded),
              depth: curDepth,
              seconds,
              statesPerSecond: count / Math.max(seconds, 1e-9),
              heapBytes: heap,
            };
            if (interrupted && !external) halt('interrupt');
          }
        }
      };
      const round = function* (reqs: (i: number) => Request): Generator<Progress, Reply[], boolean | undefined> {
        pool.start(reqs);
        yield* waitFor(C_DONE, W);
        return pool.collect();
      };

      /** Room for `margin` more states (segments, table); false when memory does not allow it. */
      const ensureRoom = (margin: number): boolean => {
        const count = st.count;
        const affordable = (bytes: number): boolean => opts.maxMemoryBytes === undefined || heapNow() + bytes <= opts.maxMemoryBytes;
        try {
          if (count + 2 * margin > st.capacity) {
            while (count + 2 * margin > st.capacity) {
              if (!affordable(st.segmentCost()) || st.capacity + SEG_STATES > 0x7ffffff0) return false;
              pending.segments.push(st.addSegment());
            }
            // an eighth more, so that pauses stay rare
            for (let extra = Math.floor(st.segments / 8); extra > 0; extra--) {
              if (!affordable(st.segmentCost()) || st.capacity + SEG_STATES > 0x7ffffff0) break;
              pending.segments.push(st.addSegment());
            }
          }
          if (count + 2 * margin > Atomics.load(ctrl, C_TABLE_LIMIT)) {
            // twice the entries the table may take before the next pause: load TABLE_MAX_LOAD / 2
            // to TABLE_MAX_LOAD (slots, not words: a slot is two words)
            let slots = st.slots;
            while ((count + 2 * margin) / TABLE_MAX_LOAD > slots) slots *= 2;
            if (!affordable(st.tableCost(slots))) return false;
            pending.table = st.rehash(slots);
          }
        } catch (e) {
          if (e instanceof RangeError) return false;
          throw e;
        }
        return true;
      };
      const takeUpdates = (): StoreUpdates => {
        const out = pending;
        pending = { segments: [], dropBytes: [], dropLinks: [] };
        return out;
      };

      if (!pool.ready) {
        yield* waitFor(C_READY, W);
        pool.ready = true;
      }
      ensureRoom(1);
      const first = takeUpdates();
      yield* round(() => ({ type: 'search', setup, segments: st.segmentBuffers.slice(), table: first.table ?? st.tableRef }));

      const skipReach = new Uint8Array(reach.length);
      let curOrderBuf = new SharedArrayBuffer(4);
      let curOrder = new Int32Array(curOrderBuf);
      curOrder[0] = 0;
      // fingerprint mode: the level being expanded is read from a file, in BFS order, so that
      // only the level being built holds bytes in memory (spill.ts LevelFile)
      let levelFile = exact ? null : st.writeLevel(curOrder, 1);
      const packedBuf = new Uint8Array(ex.packer.bytes);
      /** the state at position pos of the level being expanded, unpacked (a copy) */
      const levelState = (pos: number): Uint8Array => {
        if (exact) return stateOf(st, curOrder[pos]);
        st.levelState(pos, packedBuf);
        return ex.load(packedBuf, 0).slice();
      };
      let d = 0;

      // ---------------------------------------------------------------- level by level
      for (;;) {
        curDepth = d;
        if (opts.depth !== undefined && d >= opts.depth) {
          depthCut = true;
          depth = d;
          distinct = known;
          break;
        }
        if (external) {
          stoppedBy = external;
          depth = d;
          distinct = known;
          break;
        }
        const nextStart = st.count;
        st.levelStart = nextStart;
        // a BFS key (position x actions + action) is 32 bits: a level with more positions
        // than fit is expanded in windows of whole chunks, each counting its keys from its
        // first position (see the sort below)
        const fit = Math.floor(keySpace / nA);
        const chunk = Math.max(1, Math.min(1024, Math.ceil(curSize / (W * 128)), fit));
        const windowSize = Math.floor(fit / chunk) * chunk;
        const margin = W * chunk * nA;
        Atomics.store(ctrl, C_MARGIN, margin);
        Atomics.store(ctrl, C_NEXT, 0);
        Atomics.store(ctrl, C_HALT, 0);
        if (!ensureRoom(margin)) {
          stoppedBy = 'memory';
          depth = d;
          distinct = known;
          break;
        }
        const skipInv = Uint8Array.from(invs, (inv) => (continueOn.has(inv.name) && quality.has(inv.name) ? 1 : 0));
        skipReach.set(reachedAt.map((x) => (x === undefined ? 0 : 1)));
        const invIds: number[][] = invs.map(() => []);
        const reachIds: number[][] = reach.map(() => []);
        const collect = (replies: Reply[]): Float64Array => {
          const sum = new Float64Array(ex.V);
          for (const r of replies) {
            if (r.type !== 'round') throw new Error(`parallel search: unexpected reply ${r.type}`);
            for (let i = 0; i < sum.length; i++) sum[i] += r.counters[i];
            r.inv.forEach((l, i) => {
              for (const id of l) invIds[i].push(id);
            });
            r.reach.forEach((l, i) => {
              for (const id of l) reachIds[i].push(id);
            });
          }
          return sum;
        };
        /** each window's first position and first id (the states it inserted) */
        const windows: { base: number; idStart: number }[] = [];
        let sum: Float64Array = new Float64Array(ex.V);
        for (let base = 0; ; ) {
          const end = Math.min(curSize, base + windowSize);
          st.levelStart = st.count;
          windows.push({ base, idStart: st.count });
          Atomics.store(ctrl, C_NEXT, base);
          const updates = takeUpdates();
          const req: Request =
            base === 0
              ? { type: 'level', updates, levelStart: nextStart, order: curOrderBuf, levelFile, levelSize: end, chunk, skipInv, skipReach: skipReach.slice() }
              : { type: 'window', updates, levelStart: st.levelStart, keyBase: base, end };
          sum = collect(yield* round(() => req));
          for (;;) {
            const h = Atomics.load(ctrl, C_HALT);
            if (Atomics.load(ctrl, C_NEXT) >= end || h & ~HALT_GROW || external) break;
            if (!ensureRoom(margin)) {
              external = 'memory';
              break;
            }
            Atomics.store(ctrl, C_HALT, 0);
            const up = takeUpdates();
            sum = collect(yield* round(() => ({ type: 'resume', updates: up })));
          }
          if (Atomics.load(ctrl, C_NEXT) < end || end === curSize) break;
          base = end;
        }
        const complete = Atomics.load(ctrl, C_NEXT) >= curSize;

        // ------------------------------------------------------------ the level in BFS order
        const count = st.count;
        const nNew = count - nextStart;
        // a state's key in the level: its window's first position x actions + its key there
        // (below 2^53: positions below 2^31, actions below 2^16); a window's states come
        // after the earlier windows' in ids and in BFS order, so the order is the one a single
        // window would give
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
          rank[id - nextStart] = r;
          st.setLinks(id, curOrder[Math.floor(k / nA)], k % nA);
        }
        const parentPos = (r: number): number => Math.floor(keys[r] / nA);

        // where the sequential search stops in this level, if it does
        let statesCut: { p: number; n: number } | null = null;
        if (opts.maxStates !== undefined && known + nNew >= opts.maxStates) {
          const need = opts.maxStates - known;
          const ps = need <= 0 ? 0 : parentPos(need - 1);
          const ns = bucket[ps + 1];
          if (ps < curSize - 1 || ns > 0) statesCut = { p: ps, n: ns };
        }
        const minRank = (ids: readonly number[], limit: number): number => {
          let m = Infinity;
          for (const id of ids) {
            const r = rank[id - nextStart];
            if (r >= 0 && r < m && r <= limit) m = r;
          }
          return m;
        };
        let v = Infinity;
        let vInv = -1;
        invs.forEach((_, i) => {
          if (isQuality[i]) return;
          const m = minRank(invIds[i], nNew - 1);
          if (m < v) {
            v = m;
            vInv = i;
          }
        });
        let cutRank = nNew - 1;
        let cut: { pos: number; last: number } | null = null;
        const violated = v < Infinity && (!statesCut || parentPos(v) <= statesCut.p);
        if (violated) {
          cutRank = v;
          cut = { pos: parentPos(v), last: keys[v] % nA };
        } else if (statesCut) {
          cutRank = statesCut.n - 1;
          cut = { pos: statesCut.p, last: nA - 1 };
        }

        // quality and reachability: the first in BFS order, up to the cut
        const newQuality: { r: number; i: number }[] = [];
        invs.forEach((inv, i) => {
          if (!isQuality[i] || quality.has(inv.name)) return;
          const m = minRank(invIds[i], cutRank);
          if (m < Infinity) newQuality.push({ r: m, i });
        });
        newQuality.sort((a, b) => a.r - b.r || a.i - b.i);
        for (const { r, i } of newQuality) {
          const id = order[r];
          quality.set(invs[i].name, { id, invariant: invs[i], message: invs[i].check(ex.w, stateOf(st, id)) ?? '' });
        }
        reach.forEach((_, r) => {
          if (reachedAt[r] === undefined && minRank(reachIds[r], cutRank) < Infinity) reachedAt[r] = d + 1;
        });

        // counters: up to the cut (the workers' chunks before it, and a recount of its chunk)
        if (cut) {
          const c = Math.floor(cut.pos / chunk);
          const replies = yield* round(() => ({ type: 'prefix', chunk: c }));
          sum = new Float64Array(ex.V);
          for (const r of replies) {
            if (r.type !== 'prefix') throw new Error(`parallel search: unexpected reply ${r.type}`);
            for (let i = 0; i < sum.length; i++) sum[i] += r.counters[i];
          }
          ex.resetCounts();
          for (let pos = c * chunk; pos <= cut.pos; pos++) ex.expand(levelState(pos), pos, pos === cut.pos ? cut.last : nA - 1, null);
          const mine = ex.snapshot();
          for (let i = 0; i < sum.length; i++) sum[i] += mine[i];
        }
        counters = sum;
        reach.forEach((r, i) => {
          if (reachedAt[i] === undefined && r.note !== undefined && counters[ex.noteBase + i] > 0) reachedAt[i] = d + 1;
        });

        if (violated) {
          const id = order[v];
          stop = { id, invariant: invs[vInv], message: invs[vInv].check(ex.w, stateOf(st, id)) ?? '' };
          distinct = known + v + 1;
          depth = d + 1;
          break;
        }
        if (statesCut) {
          stoppedBy = 'states';
          distinct = known + statesCut.n;
          depth = d;
          break;
        }
        if (!complete) {
          stoppedBy = external ?? 'memory';
          distinct = known + nNew;
          depth = d;
          break;
        }
        if (nNew === 0) {
          depth = d;
          distinct = known;
          break;
        }
        known += nNew;
        // fingerprint mode: the level's links are final; they go to the file with the earlier
        // levels', the level itself to the level file in BFS order, and the workers let go of
        // the segments that held them
        pending.dropLinks.push(...st.spillLinks(st.count));
        if (!exact) {
          levelFile = st.writeLevel(order, nNew);
          pending.dropBytes.push(...st.dropBytesBelow(st.count));
        }
        curSize = nNew;
        curOrderBuf = orderBuf;
        curOrder = order;
        orderBytes = orderBuf.byteLength;
        d++;
      }
    }
    ok = true;
  } finally {
    if (pool) release(pool, ok);
  }

// ------------------------------------------------------------------ the result
  const seconds = (performance.now() - t0) / 1000;
  peakHeap = Math.max(peakHeap, heapNow());
  const treeBoundHits = counters[1];
  const found = stop as Found | null;
  const verdict = verdictOf(found !== null, stoppedBy, depthCut, treeBoundHits);
  const cmdRecord = Object.fromEntries(ex.cmdKeys.map((k, i) => [k, counters[ex.cmdBase + i]]));
  let o = ex.hitsBase;
  const machineCoverage = ex.machines.map((m) => {
    const hits = counters.subarray(o, o + m.hits.length);
    o += m.hits.length;
    return machineCoverageOf(m, hits);
  });
  return {
    verdict,
    ...searchOf(u, design, invs, continueOn, symmetry, exact, distinct, executorOf(ex.kernel)),
    distinct,
    generated: counters[0],
    depth,
    seconds,
    statesPerSecond: distinct / Math.max(seconds, 1e-9),
    storeBytes: store?.bytesUsed() ?? 0,
    bytesPerState: perState(store, exact, ex.packer.bytes, distinct),
    packedStateBytes: ex.packer.bytes,
    diskBytes: store?.diskBytes() ?? 0,
    peakHeapBytes: peakHeap,
    ...outcomeOf({
      bounds: { depth: opts.depth, treeMax: u.treeMax, treeBoundHits },
      stoppedBy,
      found,
      quality: quality.values(),
      rebuild: rebuilder(opts, ex.tables, ex.actions, (id) => (store ? actionPath(store, id) : [])),
      commands: cmdRecord,
      machines: machineCoverage,
      reach,
      reachedAt,
    }),
  };
}

