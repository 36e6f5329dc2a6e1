/**
 * The worker thread of the parallel search (parallel.ts).
 *
 * A worker waits on the control words (Atomics.wait) for the main thread to start a round,
 * reads the round's request with receiveMessageOnPort, serves it, posts its reply on its own
 * port and counts itself done. Workers outlive a search (pool.ts): a 'search' request builds
 * the search's model from its spec (importing the model's module, the one time a worker
 * returns to its event loop) and attaches the store; 'end' lets them go. A level round grabs
 * chunks of positions of the level being expanded (Atomics.add on the next position),
 * expands each state with the expansion core (expand.ts), inserting the successors into the
 * shared store and checking the new ones; it stops when the level is exhausted or a pause is
 * asked for (HALT bits: the main thread stops the search, the store needs room, the states
 * limit is reached).
 *
 * Counters are cumulative per worker; at the start of each chunk a worker keeps a snapshot of
 * them, so the main thread can ask for exactly what the chunks before a given one counted
 * (the sequential search's counters when it stops inside a level).
 *
 * The module has no side effect on import: pool.ts starts a worker with a bootstrap that
 * calls `runWorker`.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Expander, type Sink } from './expand.ts';
import type { Model, ModelModule, ModelSpec } from './model.ts';
import type { Reply, Request, WorkerInit } from './protocol.ts';
import { readAt, type LevelRef } from './spill.ts';
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
  C_WORDS_SPARE,
  HALT_GROW,
  HALT_STATES,
  SharedStore,
} from './sharedStore.ts';

/** The request behind a start signal (posted before the signal: there at once, or very soon). */
const receive = (port: MessagePort, ctrl: Int32Array): Request => {
  const t0 = Date.now();
  for (let i = 0; ; i++) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as Request;
    if (i > 1000) {
      if (Date.now() - t0 > 30_000) throw new Error('worker: no request after the start signal');
      Atomics.wait(ctrl, C_WORDS_SPARE, 0, 1);
    }
  }
};

/** One search, on the worker's side: the sink of its expansion core. */
class Session implements Sink {
  readonly core: Expander;
  readonly store: SharedStore;
  readonly halted = false;
  private readonly nA: number;
  private invLists: number[][];
  private reachLists: number[][];
  private order: Int32Array = new Int32Array(0);
  private levelFile: LevelRef | null = null;
  /** a chunk of the level's packed states, read from the level file */
  private chunkBytes = new Uint8Array(0);
  private levelSize = 0;
  /** the window's first position: a key is (position - keyBase) x actions + action */
  private keyBase = 0;
  private chunk = 1;
  /** this level: the chunks taken, and the counters at each one's start */
  private rowChunks: number[] = [];
  private rows: Float64Array[] = [];

  constructor(
    model: Model,
    req: Extract<Request, { type: 'search' }>,
    private readonly ctrl: Int32Array,
    private readonly progress: Float64Array,
    private readonly index: number,
  ) {
    this.core = new Expander(model);
    this.core.resetCounts();
    this.nA = model.actionCount;
    this.store = new SharedStore(model.packedBytes, req.exact, ctrl);
    for (const seg of req.segments) this.store.attachSegment(seg);
    this.store.attachTable(req.table);
    this.invLists = model.invariants.map(() => []);
    this.reachLists = model.reachability.map(() => []);
    progress[index] = 0;
  }

  insert(h1: number, h2: number, ref: number, action: number): number {
    return this.store.insert(this.core.packedWords, h1, h2, ref * this.nA + action);
  }

  broke(i: number, id: number): void {
    this.invLists[i].push(id);
  }

  reached(r: number, id: number): void {
    this.reachLists[r].push(id);
  }

  /** Serve one request; returns the reply. */
  serve(req: Request): Reply {
    switch (req.type) {
      case 'prefix': {
        const i = this.rowChunks.findIndex((c) => c >= req.chunk);
        return { type: 'prefix', counters: i >= 0 ? this.rows[i] : this.core.snapshot() };
      }
      case 'level':
      case 'window':
      case 'resume': {
        const u = req.updates;
        for (const seg of u.segments) this.store.attachSegment(seg);
        if (u.table) this.store.attachTable(u.table);
        for (const i of u.dropBytes) this.store.dropBytes(i);
        for (const i of u.dropLinks) this.store.dropLinks(i);
        if (req.type === 'level') this.startLevel(req);
        else if (req.type === 'window') {
          this.store.levelStart = req.levelStart;
          this.keyBase = req.keyBase;
          this.levelSize = req.end;
        }
        return this.run();
      }
      default:
        throw new Error(`worker: unexpected request ${req.type}`);
    }
  }

  private startLevel(req: Extract<Request, { type: 'level' }>): void {
    this.store.levelStart = req.levelStart;
    this.order = new Int32Array(req.order);
    this.levelFile = req.levelFile;
    this.levelSize = req.levelSize;
    this.keyBase = 0;
    this.chunk = req.chunk;
    this.core.model.levelAhead?.(req.share);
    this.core.skipInv.set(req.skipInv);
    this.core.skipReach.set(req.skipReach);
    this.core.updateMarks();
    this.rowChunks = [];
    this.rows = [];
  }

  /** Take chunks of the level until it is exhausted or a pause is asked for. */
  private run(): Reply {
    const { ctrl, core, chunk, levelSize } = this;
    const margin = Atomics.load(ctrl, C_MARGIN);
    const maxStates = Atomics.load(ctrl, C_MAX_STATES);
    for (;;) {
      if (Atomics.load(ctrl, C_HALT) !== 0) break;
      const count = Atomics.load(ctrl, C_COUNT);
      if (count + margin > Atomics.load(ctrl, C_CAPACITY) || count + margin > Atomics.load(ctrl, C_TABLE_LIMIT)) {
        Atomics.or(ctrl, C_HALT, HALT_GROW);
        break;
      }
      // (never before the level's first chunk: the sequential search expands at least one state)
      if (maxStates >= 0 && count >= maxStates && Atomics.load(ctrl, C_NEXT) > 0) {
        Atomics.or(ctrl, C_HALT, HALT_STATES);
        break;
      }
      const c0 = Atomics.add(ctrl, C_NEXT, chunk);
      if (c0 >= levelSize) break;
      this.rowChunks.push(c0 / chunk);
      this.rows.push(core.snapshot());
      this.expandChunk(c0, Math.min(c0 + chunk, levelSize));
      this.progress[this.index] = core.counters[0];
    }
    const reply: Reply = {
      type: 'round',
      counters: core.snapshot(),
      inv: this.invLists.map((l) => Int32Array.from(l)),
      reach: this.reachLists.map((l) => Int32Array.from(l)),
    };
    this.invLists = this.invLists.map(() => []);
    this.reachLists = this.reachLists.map(() => []);
    return reply;
  }

  /** Expand the level's positions [c0, end): from the level file (fingerprint mode) or the segments. */
  private expandChunk(c0: number, end: number): void {
    const { core, store, order } = this;
    const last = this.nA - 1;
    const file = this.levelFile;
    if (file) {
      const sb = store.stateBytes;
      if (this.chunkBytes.length < this.chunk * sb) this.chunkBytes = new Uint8Array(this.chunk * sb);
      readAt(file.fd, file.path, this.chunkBytes, (end - c0) * sb, c0 * sb);
      for (let pos = c0; pos < end; pos++) {
        core.load(this.chunkBytes, (pos - c0) * sb);
        core.expand(pos - this.keyBase, last, this);
      }
      return;
    }
    for (let pos = c0; pos < end; pos++) {
      const id = order[pos];
      core.load(store.stateSegment(id), store.stateOffset(id));
      core.expand(pos - this.keyBase, last, this);
    }
  }
}

/** Model modules imported so far, by URL; whether tsx's loader is registered. */
const modules = new Map<string, ModelModule>();
let tsxRegistered = false;

/** The model a search request describes (its module imported once per worker). */
const modelOf = async (spec: ModelSpec, init: WorkerInit): Promise<Model> => {
  let mod = modules.get(spec.module);
  if (!mod) {
    if (spec.module.endsWith('.ts') && !tsxRegistered && !import.meta.url.endsWith('.ts')) {
      if (!init.tsx) throw new Error(`worker: tsx is needed to import the TypeScript model ${spec.module}`);
      ((await import(init.tsx)) as { register(): void }).register();
      tsxRegistered = true;
    }
    mod = (await import(spec.module)) as ModelModule;
    if (typeof mod.createModel !== 'function') throw new Error(`worker: ${spec.module} exports no createModel`);
    modules.set(spec.module, mod);
  }
  return mod.createModel(spec.args);
};

/**
 * The worker thread's entry: serve requests, one per start signal (C_GO bumped), until told
 * to exit. Between searches the worker waits, holding no shared memory of the last one.
 */
export const runWorker = async (): Promise<void> => {
  const init = workerData as WorkerInit;
  const ctrl = new Int32Array(init.ctrl);
  const progress = new Float64Array(init.progress);
  const port = init.port;
  const signal = (): void => {
    Atomics.add(ctrl, C_DONE, 1);
    Atomics.notify(ctrl, C_DONE);
  };
  let seen = Atomics.load(ctrl, C_GO);
  Atomics.add(ctrl, C_READY, 1);
  Atomics.notify(ctrl, C_READY);
  let session: Session | null = null;
  for (;;) {
    let go = Atomics.load(ctrl, C_GO);
    while (go === seen) {
      Atomics.wait(ctrl, C_GO, seen);
      go = Atomics.load(ctrl, C_GO);
    }
    for (; seen < go; seen++) {
      let req: Request;
      try {
        req = receive(init.inbox, ctrl);
      } catch (e) {
        port.postMessage({ type: 'error', error: String(e) } satisfies Reply);
        Atomics.store(ctrl, C_ERROR, 1);
        signal();
        continue;
      }
      if (req.type === 'exit') return;
      try {
        let reply: Reply;
        if (req.type === 'search') {
          session = new Session(await modelOf(req.spec, init), req, ctrl, progress, init.index);
          reply = { type: 'ok' };
        } else if (req.type === 'end') {
          session = null;
          reply = { type: 'ok' };
        } else {
          if (!session) throw new Error(`worker: ${req.type} outside a search`);
          reply = session.serve(req);
        }
        port.postMessage(reply);
      } catch (e) {
        session = null;
        port.postMessage({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies Reply);
        Atomics.store(ctrl, C_ERROR, 1);
      }
      signal();
    }
  }
};
