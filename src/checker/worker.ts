/**
 * The worker thread of the parallel search (parallel.ts), and the successor generation it
 * shares with the main thread (`Expander`: the sequential search's inner loop, bfs.ts).
 *
 * A worker runs synchronously, never returning to its event loop: it waits on the control
 * words (Atomics.wait) for the main thread to start a round, reads the round's request with
 * receiveMessageOnPort, serves it, posts its reply on its own port and counts itself done.
 * Workers outlive a search (parallel.ts keeps a pool): a 'search' request builds a search's
 * setting and attaches its store, 'end' lets them go. A level round grabs chunks of positions
 * of the level being expanded (Atomics.add on the next position), expands each state,
 * inserts the successors into the shared store and checks the new ones; it stops when the
 * level is exhausted or a pause is asked for (HALT bits: the main thread stops the search,
 * the store needs room, the states limit is reached).
 *
 * Counters (generated transitions, tree-bound hits, commands, kernel notes, machine edges)
 * are cumulative per worker; at the start of each chunk a worker keeps a snapshot of them,
 * so the main thread can ask for exactly what the chunks before a given one counted (the
 * sequential search's counters when it stops inside a level).
 *
 * The module has no side effect on import: parallel.ts starts a worker with a bootstrap that
 * registers tsx's loader (the sources are TypeScript) and calls `runWorker`.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { CommandError, Kernel } from '../../models/kernel.ts';
import { mutantNamed } from '../../models/mutants.ts';
import { kernelFor } from '../../models/trackedKernel.ts';
import { compileTables, type Tables } from '../../models/tables.ts';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import { Facts } from '../reducer/facts.ts';
import { Canonicalizer } from '../state/canonical.ts';
import { Packer } from '../state/packed.ts';
import type { Design } from '../state/design.ts';
import type { View } from '../state/describe.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf, type Layout } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { actionKeysOf, ActionPlanner, enumerateActions, type Action } from './actions.ts';
import { MACHINES } from './result.ts';
import { readAt, type LevelRef } from '../engine/spill.ts';
import { SuccessorCache } from '../engine/successorCache.ts';
import { Fingerprinter } from '../engine/fingerprint.ts';
import { reachabilityFor, type Reachability } from './reachability.ts';
import {
  C_DONE,
  C_ERROR,
  C_GO,
  C_HALT,
  C_MARGIN,
  C_MAX_STATES,
  C_NEXT,
  C_READY,
  C_COUNT,
  C_CAPACITY,
  C_TABLE_LIMIT,
  C_WORDS_SPARE,
  HALT_GROW,
  HALT_STATES,
  SharedStore,
  type SegmentBuffers,
  type TableRef,
} from '../engine/sharedStore.ts';

/** What a worker needs to rebuild the search's setting (structured-clonable). */
export interface SearchSetup {
  readonly universe: Universe;
  readonly design: Design;
  /** a seeded bug (models/mutants.ts) by name; null: the design's executor */
  readonly mutant: string | null;
  /** the checked invariants, by name */
  readonly invariants: readonly string[];
  readonly symmetry: boolean;
  readonly exact: boolean;
}

const sameWords = (a: Uint32Array, b: Uint32Array): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * Successor generation and checking, as the sequential search does it, with its counters in
 * one vector: [generated, treeBoundHits, per command key, per reachability (note firings),
 * then the edge hits of the machines in MACHINES order (result.ts)].
 */
export class Expander {
  readonly L: Layout;
  readonly w: View;
  readonly tables: Tables;
  readonly kernel: Kernel;
  readonly invs: readonly Invariant[];
  readonly actions: readonly Action[];
  readonly nA: number;
  readonly canon: Canonicalizer;
  /** the storage form: a successor is canonicalized (canon.out), then packed (packed) */
  readonly packer: Packer;
  readonly packed: Uint8Array;
  readonly packedWords: Uint32Array;
  /** fingerprints the packed bytes */
  readonly fp: Fingerprinter;
  /** the state being expanded, unpacked */
  readonly cur: Uint8Array;
  readonly reach: readonly Reachability[];
  readonly cmdKeys: readonly string[];
  readonly counters: Float64Array;
  readonly machines: readonly Tables['kref'][];
  /** length of the counter vector */
  readonly V: number;
  readonly cmdBase = 2;
  readonly noteBase: number;
  readonly hitsBase: number;
  private readonly scratch: Uint8Array;
  private readonly scratchWords: Uint32Array;
  private readonly facts: Facts;
  private readonly actionKey: Int32Array;
  private readonly noteOf: Int32Array;
  private readonly planner: ActionPlanner;
  /** raw successors this worker already put to the store (successorCache.ts) */
  private readonly seenBefore: SuccessorCache;

  constructor(setup: SearchSetup, make?: (u: Universe, d: Design, t: Tables) => Kernel) {
    const u = setup.universe;
    const design = setup.design;
    this.L = layoutOf(u);
    this.w = { u, L: this.L, design };
    this.tables = compileTables(u, design);
    const mk = make ?? (setup.mutant ? mutantNamed(setup.mutant)?.make : undefined);
    if (setup.mutant && !mk) throw new Error(`unknown mutant '${setup.mutant}'`);
    this.kernel = mk ? mk(u, design, this.tables) : kernelFor(u, design, this.tables);
    this.invs = invariantsFor(design).filter((i) => setup.invariants.includes(i.name));
    this.actions = enumerateActions(u, design);
    this.kernel.prepare(this.actions.map((a) => a.cmd));
    this.nA = this.actions.length;
    this.canon = new Canonicalizer(this.L, setup.symmetry);
    this.packer = new Packer(this.L, u);
    this.packed = new Uint8Array(this.packer.bytes);
    this.packedWords = new Uint32Array(this.packed.buffer);
    this.fp = new Fingerprinter(this.packed);
    this.cur = new Uint8Array(this.L.size);
    this.scratch = new Uint8Array(this.L.size);
    this.scratchWords = new Uint32Array(this.scratch.buffer);
    this.facts = new Facts(u, this.L, design.kind === 'legacy' ? 'lineage' : 'ctx', this.scratch, null);
    this.seenBefore = new SuccessorCache(this.scratchWords.length);
    this.reach = reachabilityFor(design);
    const keys = actionKeysOf(this.actions);
    this.cmdKeys = keys.keys;
    this.actionKey = keys.actionKey;
    this.planner = new ActionPlanner(this.L, this.actions, this.actionKey);
    this.noteOf = Int32Array.from(this.reach, (r) => (r.note === undefined ? -1 : r.note));
    this.noteBase = this.cmdBase + this.cmdKeys.length;
    this.hitsBase = this.noteBase + this.reach.length;
    this.counters = new Float64Array(this.hitsBase);
    const t = this.tables;
    this.machines = MACHINES.map((name) => t[name]);
    this.V = this.hitsBase + this.machines.reduce((n, m) => n + m.hits.length, 0);
  }

  /** Zero every counter (the machines' edge hits included). */
  resetCounts(): void {
    this.counters.fill(0);
    for (const m of this.machines) m.hits.fill(0);
  }

  /** The counter vector now. */
  snapshot(): Float64Array {
    const v = new Float64Array(this.V);
    v.set(this.counters);
    let o = this.hitsBase;
    for (const m of this.machines) {
      v.set(m.hits, o);
      o += m.hits.length;
    }
    return v;
  }

  /** Unpack the packed state at src[off..] into this.cur. */
  load(src: Uint8Array, off: number): Uint8Array {
    this.packer.unpack(src, off, this.cur);
    return this.cur;
  }

  /**
   * Expand state s (unpacked; at position pos of its level) by actions 0..last: count, and
   * for each successor that changed the state and is within the bounds, canonicalize, pack
   * and fingerprint it (canon.out, packed, fp) and call onSucc with its BFS key
   * (pos * actions + action). With no onSucc, only count (the main thread recounting part of
   * a level).
   */

  expand(s: Uint8Array, pos: number, last: number, onSucc: ((key: number) => void) | null): void {
    const kernel = this.kernel;
    const scratch = this.scratch;
    const scratchWords = this.scratchWords;
    const counters = this.counters;
    const noteOf = this.noteOf;
    const notes = kernel.notes;
    const sWords = new Uint32Array(s.buffer, s.byteOffset, scratchWords.length);
    const base = pos * this.nA;
    // as the sequential search: commands that provably change nothing, or do what an earlier
    // one does, are counted, not run (ActionPlanner)
    const plan = this.planner.plan(s);
    const counted = plan.counted;
    if (counted.length === 0 || counted[counted.length - 1] <= last) {
      counters[0] += counted.length;
      const byKey = plan.countedByKey;
      for (let k = 0; k < byKey.length; k += 2) counters[this.cmdBase + byKey[k]] += byKey[k + 1];
    } else {
      for (let k = 0; k < counted.length && counted[k] <= last; k++) {
        counters[0]++;
        counters[this.cmdBase + this.actionKey[counted[k]]]++;
      }
    }
    const run = plan.run;
    for (let ri = 0; ri < run.length && run[ri] <= last; ri++) {
      const ai = run[ri];
      scratch.set(s);
      for (let r = 0; r < noteOf.length; r++) if (noteOf[r] >= 0) notes[noteOf[r]] = 0;
      try {
        kernel.stepAction(this.facts, ai);
      } catch (e) {
        if (e instanceof CommandError) continue;
        throw e;
      }
      counters[0]++;
      counters[this.cmdBase + this.actionKey[ai]]++;
      for (let r = 0; r < noteOf.length; r++) if (noteOf[r] >= 0 && notes[noteOf[r]] > 0) counters[this.noteBase + r]++;
      if (sameWords(scratchWords, sWords)) continue;
      if (scratch[HDR_BOUND] & BOUND_TREE) {
        counters[1]++;
        continue;
      }
      if (!onSucc) continue;
      if (this.seenBefore.seen(scratchWords)) continue;
      this.canon.canon(scratch);
      this.packer.pack(this.canon.out, this.packed);
      this.fp.run();
      onSucc(base + ai);
      this.seenBefore.record(scratchWords);
    }
  }

  /**
   * Check a new state: onInv(i) for each checked invariant it breaks (skipping those marked
   * in skipInv), onReach(r) for each reachability state property it has (skipping skipReach).
   */
  checkNew(s: Uint8Array, skipInv: Uint8Array, skipReach: Uint8Array, onInv: (i: number) => void, onReach: (r: number) => void): void {
    const invs = this.invs;
    for (let i = 0; i < invs.length; i++) {
      if (skipInv[i]) continue;
      if (invs[i].check(this.w, s) !== null) onInv(i);
    }
    const reach = this.reach;
    for (let r = 0; r < reach.length; r++) if (!skipReach[r] && reach[r].state?.(this.L, s)) onReach(r);
  }
}

// ------------------------------------------------------------------------------------------
// the worker's side of the protocol

/** What a worker is started with: the pool's control words and its ports. */
export interface WorkerInit {
  readonly kind: 'pfnmap-bfs-worker';
  readonly index: number;
  readonly ctrl: SharedArrayBuffer;
  /** per worker: generated transitions so far in the current search (progress only) */
  readonly progress: SharedArrayBuffer;
  /** the worker posts its replies here */
  readonly port: MessagePort;
  /** the main thread posts its requests here */
  readonly inbox: MessagePort;
}

/** Shared memory the main thread hands over at a round's start. */
export interface StoreUpdates {
  readonly segments: readonly SegmentBuffers[];
  readonly table?: TableRef;
  /** segments whose bytes are no longer needed (fingerprint mode) */
  readonly dropBytes: readonly number[];
  /** segments whose links went to the links file (fingerprint mode) */
  readonly dropLinks: readonly number[];
}

export type Request =
  /** a new search: build its setting, attach its store */
  | { readonly type: 'search'; readonly setup: SearchSetup; readonly segments: readonly SegmentBuffers[]; readonly table: TableRef }
  | {
      readonly type: 'level';
      readonly updates: StoreUpdates;
      /** the first id of the level being built */
      readonly levelStart: number;
      /** ids of the level being expanded, in BFS order */
      readonly order: SharedArrayBuffer;
      /** fingerprint mode: the file holding the level's packed states in BFS order (spill.ts LevelFile), else null: they are in the segments */
      readonly levelFile: LevelRef | null;
      /** the end of the first window of positions (parallel.ts), the level's size if it is one window */
      readonly levelSize: number;
      readonly chunk: number;
      readonly skipInv: Uint8Array;
      readonly skipReach: Uint8Array;
    }
  | { readonly type: 'resume'; readonly updates: StoreUpdates }
  /** the next window of the level's positions, [keyBase, end): the BFS keys of the states it
   * inserts (ids from levelStart) count positions from keyBase */
  | { readonly type: 'window'; readonly updates: StoreUpdates; readonly levelStart: number; readonly keyBase: number; readonly end: number }
  /** the counters before the worker's first chunk at or after this one, in this level */
  | { readonly type: 'prefix'; readonly chunk: number }
  /** the search is over: let its shared memory go */
  | { readonly type: 'end' }
  | { readonly type: 'exit' };

export type Reply =
  | { readonly type: 'ok' }
  | {
      readonly type: 'round';
      /** the worker's counters so far (cumulative over the search) */
      readonly counters: Float64Array;
      /** per checked invariant: ids of new states that break it (this round) */
      readonly inv: readonly Int32Array[];
      /** per reachability property: ids of new states that have it (this round) */
      readonly reach: readonly Int32Array[];
    }
  | { readonly type: 'prefix'; readonly counters: Float64Array }
  | { readonly type: 'error'; readonly error: string };

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

/** One search, on the worker's side. */
class Session {
  readonly ex: Expander;
  readonly store: SharedStore;
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
  private skipInv: Uint8Array;
  private skipReach: Uint8Array;
  /** this level: the chunks taken, and the counters at each one's start */
  private rowChunks: number[] = [];
  private rows: Float64Array[] = [];
  private nid = -1;
  private readonly onInv = (i: number): void => {
    this.invLists[i].push(this.nid);
  };
  private readonly onReach = (r: number): void => {
    this.reachLists[r].push(this.nid);
  };
  private readonly onSucc = (key: number): void => {
    const ex = this.ex;
    const nid = (this.nid = this.store.insert(ex.packedWords, ex.fp.h1, ex.fp.h2, key));
    if (nid >= 0) ex.checkNew(ex.canon.out, this.skipInv, this.skipReach, this.onInv, this.onReach);
  };

  constructor(
    req: Extract<Request, { type: 'search' }>,
    private readonly ctrl: Int32Array,
    private readonly progress: Float64Array,
    private readonly index: number,
  ) {
    this.ex = new Expander(req.setup);
    this.ex.resetCounts();
    this.store = new SharedStore(this.ex.packer.bytes, req.setup.exact, ctrl);
    for (const seg of req.segments) this.store.attachSegment(seg);
    this.store.attachTable(req.table);
    this.invLists = this.ex.invs.map(() => []);
    this.reachLists = this.ex.reach.map(() => []);
    this.skipInv = new Uint8Array(this.ex.invs.length);
    this.skipReach = new Uint8Array(this.ex.reach.length);
    progress[index] = 0;
  }

  /** Serve one request; returns the reply. */
  serve(req: Request): Reply {
    switch (req.type) {
      case 'prefix': {
        const i = this.rowChunks.findIndex((c) => c >= req.chunk);
        return { type: 'prefix', counters: i >= 0 ? this.rows[i] : this.ex.snapshot() };
      }
      case 'level':
      case 'window':
      case 'resume': {
        const u = req.updates;
        for (const seg of u.segments) this.store.attachSegment(seg);
        if (u.table) this.store.attachTable(u.table);
        for (const i of u.dropBytes) this.store.dropBytes(i);
        for (const i of u.dropLinks) this.store.dropLinks(i);
        if (req.type === 'level') {
          this.store.levelStart = req.levelStart;
          this.order = new Int32Array(req.order);
          this.levelFile = req.levelFile;
          this.levelSize = req.levelSize;
          this.keyBase = 0;
          this.chunk = req.chunk;
          this.skipInv = req.skipInv;
          this.skipReach = req.skipReach;
          this.rowChunks = [];
          this.rows = [];
        } else if (req.type === 'window') {
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

  /** Take chunks of the level until it is exhausted or a pause is asked for. */
  private run(): Reply {
    const { ctrl, ex, store, order, chunk, levelSize } = this;
    const nA = ex.nA;
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
      this.rows.push(ex.snapshot());
      const end = Math.min(c0 + chunk, levelSize);
      const file = this.levelFile;
      if (file) {
        const sb = store.stateBytes;
        if (this.chunkBytes.length < chunk * sb) this.chunkBytes = new Uint8Array(chunk * sb);
        readAt(file.fd, file.path, this.chunkBytes, (end - c0) * sb, c0 * sb);
        for (let pos = c0; pos < end; pos++) ex.expand(ex.load(this.chunkBytes, (pos - c0) * sb), pos - this.keyBase, nA - 1, this.onSucc);
      } else {
        for (let pos = c0; pos < end; pos++) {
          const id = order[pos];
          ex.expand(ex.load(store.stateSegment(id), store.stateOffset(id)), pos - this.keyBase, nA - 1, this.onSucc);
        }
      }
      this.progress[this.index] = ex.counters[0];
    }
    const reply: Reply = {
      type: 'round',
      counters: ex.snapshot(),
      inv: this.invLists.map((l) => Int32Array.from(l)),
      reach: this.reachLists.map((l) => Int32Array.from(l)),
    };
    this.invLists = this.invLists.map(() => []);
    this.reachLists = this.reachLists.map(() => []);
    return reply;
  }
}

/**
 * The worker thread's entry: serve requests, one per start signal (C_GO bumped), until told
 * to exit. Between searches the worker waits, holding no shared memory of the last one.
 */
export const runWorker = (): void => {
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
          session = new Session(req, ctrl, progress, init.index);
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
