/**
 * The exhaustive bounded model checker: breadth-first search over commands from the initial
 * state (one empty address space), so the first violation found is a shortest one.
 *
 * Inner loop, per state and action: skip an action that provably changes nothing, copy the
 * state into a scratch buffer, run the kernel executor on it with a log-free fact sink (no
 * event objects, machines stepped by table), skip a successor met before in the same bytes
 * (successorCache.ts), canonicalize (symmetry reduction), fingerprint, insert into the
 * visited set, and check the invariants on new states only. The search is a generator that yields every few thousand
 * states, so a caller can report progress, honour Ctrl-C and time limits, and stay
 * responsive; `checkSync` drains it in one go.
 */
import os from 'node:os';
import { CommandError, Kernel } from '../../models/kernel.ts';
import { compileTables, type Tables } from '../../models/tables.ts';
import { executorOf, kernelFor, type Executor } from '../../models/trackedKernel.ts';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import type { Command } from '../events/commands.ts';
import type { Event } from '../events/codecs.ts';
import { Facts } from '../reducer/facts.ts';
import { Canonicalizer } from '../state/canonical.ts';
import { Packer } from '../state/packed.ts';
import type { Design } from '../state/design.ts';
import { stateText, type View } from '../state/describe.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf, procOff, type Layout } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { actionKeysOf, ActionPlanner, enumerateActions, type Action } from './actions.ts';
import { Fingerprinter } from '../engine/fingerprint.ts';
import { reachabilityFor, type Reachability } from './reachability.ts';
import { parallelSearch } from './parallel.ts';
import { MACHINES, actionPath, machineCoverageOf, outcomeOf, searchOf, verdictOf, type Found } from './result.ts';
import { StateStore } from '../engine/store.ts';
import { SuccessorCache } from '../engine/successorCache.ts';

/**
 * PROVED: the queue emptied and no bound cut anything. NO_VIOLATION_UP_TO_DEPTH: the depth
 * bound cut the search. NO_VIOLATION_WITHIN_BOUNDS: the queue emptied but the treeMax bound cut
 * transitions (states with more tree entries were never explored). Neither is a proof.
 */
export type Verdict = 'PROVED' | 'NO_VIOLATION_UP_TO_DEPTH' | 'NO_VIOLATION_WITHIN_BOUNDS' | 'VIOLATION' | 'STOPPED';

export interface CheckOptions {
  readonly universe: Universe;
  readonly design: Design;
  /** bound on the number of commands (BFS depth) */
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxSeconds?: number;
  readonly maxMemoryBytes?: number;
  /** invariant names to check (default: every invariant of the design) */
  readonly invariants?: readonly string[];
  /** invariants whose violation is recorded but does not stop the search (default: the quality
   * ones, unless `invariants` names them explicitly) */
  readonly continueOn?: readonly string[];
  readonly symmetry?: boolean;
  /** keep every state's bytes and compare them (default), or trust 64-bit fingerprints */
  readonly exact?: boolean;
  /** yield to the caller every this many expanded states */
  readonly yieldEvery?: number;
  /** the executor to use (tests pass mutants here) */
  readonly kernel?: (u: Universe, d: Design, t: Tables) => Kernel;
  /** search on this many worker threads (parallel.ts; the same result), 1: this thread */
  readonly workers?: number;
  /** (tests) the parallel search's BFS key space, KEY_LIMIT (2^32 - 1) by default: a level
   * whose positions x actions exceed it is expanded in several windows (parallel.ts) */
  readonly keySpace?: number;
}

export interface Progress {
  readonly distinct: number;
  readonly generated: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly heapBytes: number;
}

export interface Counterexample {
  readonly invariant: string;
  readonly message: string;
  /** the commands, one a step, with concrete pids and handles */
  readonly commands: readonly Command[];
  /** the facts they caused, as an event log (replay reproduces the violation) */
  readonly events: readonly Event[];
  /** the state at the end, in kernel vocabulary */
  readonly finalState: readonly string[];
  readonly depth: number;
  /** every invariant of the design the final state breaks (the reported one among them) */
  readonly alsoBroken: readonly string[];
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly design: string;
  readonly config: string;
  readonly invariants: readonly string[];
  /** the checked invariants whose violation stops the search (the safety ones by default) */
  readonly stopOn: readonly string[];
  readonly symmetry: boolean;
  readonly storage: 'exact' | 'fingerprint';
  /** birthday-bound probability of a fingerprint collision (0 in exact mode) */
  readonly collisionProbability: number;
  /** what ran the commands, and why the specialised executor declined where it did (models/trackedKernel.ts) */
  readonly executor: Executor;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly storeBytes: number;
  /** the visited set's cost per distinct state (packed state, links, table share), bytes */
  readonly bytesPerState: number;
  /** the packed size of one state, bytes */
  readonly packedStateBytes: number;
  /** bytes written to disk: fingerprint mode's trace links and queue (one worker: QueueSpill; the parallel search: its LevelFile, src/checker/spill.ts), 0 otherwise */
  readonly diskBytes: number;
  readonly peakHeapBytes: number;
  readonly bounds: { readonly depth?: number; readonly treeMax: number; readonly treeBoundHits: number };
  readonly stoppedBy?: 'states' | 'seconds' | 'memory' | 'interrupt';
  /** the first violation that stops the search */
  readonly violation?: Counterexample;
  /** violations of non-stopping invariants (quality), shortest each */
  readonly brokenQuality: readonly Counterexample[];
  readonly coverage: {
    readonly commands: Readonly<Record<string, number>>;
    readonly commandsNeverFired: readonly string[];
    readonly machines: readonly { readonly machine: string; readonly edgesFired: number; readonly edgesWithFacts: number; readonly neverFired: readonly string[] }[];
  };
  readonly reachability: readonly { readonly name: string; readonly description: string; readonly reached: boolean; readonly depth?: number }[];
}

export function* search(opts: CheckOptions): Generator<Progress, CheckResult, boolean | undefined> {
  if ((opts.workers ?? 1) > 1) return yield* parallelSearch(opts);
  // fingerprint mode: the store's spill files go with the search, however it ends (the
  // try/finally is out here: around the search loop itself it cost V8 about 5 %)
  let store: StateStore | null = null;
  try {
    return yield* sequentialSearch(opts, (s) => (store = s));
  } finally {
    (store as StateStore | null)?.close();
  }
}

function* sequentialSearch(opts: CheckOptions, opened: (store: StateStore) => void): Generator<Progress, CheckResult, boolean | undefined> {
  const u = opts.universe;
  const design = opts.design;
  const L: Layout = layoutOf(u);
  const w: View = { u, L, design };
  const tables = compileTables(u, design);
  const kernel = opts.kernel ? opts.kernel(u, design, tables) : kernelFor(u, design, tables);
  const all = invariantsFor(design);
  const invs = opts.invariants ? all.filter((i) => opts.invariants!.includes(i.name)) : all;
  const continueOn = new Set(opts.continueOn ?? (opts.invariants ? [] : invs.filter((i) => i.kind === 'quality').map((i) => i.name)));
  const actions: Action[] = enumerateActions(u, design);
  kernel.prepare(actions.map((a) => a.cmd));
  const symmetry = opts.symmetry ?? true;
  const exact = opts.exact ?? true;
  const canon = new Canonicalizer(L, symmetry);
  const packer = new Packer(L, u);
  const packed = new Uint8Array(packer.bytes);
  const fp = new Fingerprinter(packed);
  // fingerprint mode: the table grows in place in address space reserved up to the memory
  // limit (or half the machine's memory), so a growth never holds two tables (store.ts)
  const store = new StateStore(packer.bytes, exact, undefined, exact ? 0 : (opts.maxMemoryBytes ?? os.totalmem() / 2));
  opened(store);
  if (actions.length > 0xffff) throw new Error(`${actions.length} actions: more than the store's 16-bit action index`);
  /** the state being expanded, unpacked */
  const cur = new Uint8Array(L.size);
  const sWords = new Uint32Array(cur.buffer);
  const scratch = new Uint8Array(L.size);
  const scratchWords = new Uint32Array(scratch.buffer);
  const facts = new Facts(u, L, design.kind === 'legacy' ? 'lineage' : 'ctx', scratch, null);
  const seenBefore = new SuccessorCache(scratchWords.length);
  const reach: Reachability[] = reachabilityFor(design);
  const reachedAt: (number | undefined)[] = reach.map(() => undefined);
  const notes = kernel.notes;
  let notesPending = reach.some((r) => r.note !== undefined);
  const { keys: cmdKeys, actionKey } = actionKeysOf(actions);
  const planner = new ActionPlanner(L, actions, actionKey);
  const cmdCount = new Float64Array(cmdKeys.length);
  for (const name of MACHINES) tables[name].hits.fill(0);

  const t0 = performance.now();
  let generated = 0;
  let treeBoundHits = 0;
  let depth = 0;
  let levelEnd = 1;
  let peakHeap = 0;
  let stoppedBy: CheckResult['stoppedBy'];
  let depthCut = false;
  let stop: Found | null = null;
  const quality = new Map<string, Found>();
  const yieldEvery = opts.yieldEvery ?? 2000;

  const checkState = (id: number, s: Uint8Array): void => {
    for (const inv of invs) {
      if (continueOn.has(inv.name) && quality.has(inv.name)) continue;
      const msg = inv.check(w, s);
      if (msg === null) continue;
      if (continueOn.has(inv.name)) quality.set(inv.name, { id, invariant: inv, message: msg });
      else if (!stop) stop = { id, invariant: inv, message: msg };
    }
    for (let r = 0; r < reach.length; r++) if (reachedAt[r] === undefined && reach[r].state?.(L, s)) reachedAt[r] = depthOf(id);
  };
  const depthOf = (id: number): number => actionPath(store, id).length;

  // the initial state: one empty address space
  scratch.fill(0);
  scratch[procOff(L, 0)] = 1;
  canon.canon(scratch);
  packer.pack(canon.out, packed);
  fp.run();
  store.add(packed, fp.h1, fp.h2, -1, 0);
  checkState(0, canon.out);

  let head = 0;
  let sinceYield = 0;
  let sinceLimits = 0;
  while (head < store.count && !stop) {
    if (head === levelEnd) {
      depth++;
      levelEnd = store.count;
    }
    if (opts.depth !== undefined && depth >= opts.depth) {
      depthCut = true;
      break;
    }
    const id = head++;
    packer.unpack(store.state(id), 0, cur);
    const s = cur;
    // the actions that provably change nothing, or do what an earlier one does, are counted
    // here and not run (actions.ts ActionPlanner); a stop midway takes back those after it
    const plan = planner.plan(s);
    generated += plan.counted.length;
    for (let k = 0; k < plan.countedByKey.length; k += 2) cmdCount[plan.countedByKey[k]] += plan.countedByKey[k + 1];
    const run = plan.run;
    let last = -1;
    for (let ri = 0; ri < run.length && !stop && !stoppedBy; ri++) {
      const ai = run[ri];
      last = ai;
      scratch.set(s);
      if (notesPending) {
        notes[0] = 0;
        notes[1] = 0;
      }
      try {
        kernel.stepAction(facts, ai);
      } catch (e) {
        if (e instanceof CommandError) continue;
        throw e;
      }
      generated++;
      cmdCount[actionKey[ai]]++;
      if (notesPending && (notes[0] | notes[1]) !== 0) {
        for (let r = 0; r < reach.length; r++) if (reachedAt[r] === undefined && reach[r].note !== undefined && notes[reach[r].note!] > 0) reachedAt[r] = depth + 1;
        notesPending = reach.some((r, i) => r.note !== undefined && reachedAt[i] === undefined);
      }
      // nothing changed (a refused command): the parent, already visited
      if (sameWords(scratchWords, sWords)) continue;
      if (scratch[HDR_BOUND] & BOUND_TREE) {
        treeBoundHits++;
        continue;
      }
      if (seenBefore.seen(scratchWords)) continue;
      canon.canon(scratch);
      packer.pack(canon.out, packed);
      fp.run();
      let nid: number;
      try {
        nid = store.add(packed, fp.h1, fp.h2, id, ai);
      } catch (e) {
        // the machine ran out of memory for the store before the limit did: stop cleanly
        if (!(e instanceof RangeError)) throw e;
        stoppedBy = 'memory';
        break;
      }
      seenBefore.record(scratchWords);
      if (nid >= 0) checkState(nid, canon.out);
    }
    if (stop || stoppedBy) {
      for (let k = 0; k < plan.counted.length; k++) {
        if (plan.counted[k] < last) continue;
        generated--;
        cmdCount[actionKey[plan.counted[k]]]--;
      }
    }
    store.release(head);
    if (stop || stoppedBy) break;
    if (opts.maxStates !== undefined && store.count >= opts.maxStates && head < store.count) {
      stoppedBy = 'states';
      break;
    }
    // the time and memory limits hold with or without yielding (checkSync never yields)
    if ((++sinceLimits & 255) === 0 && (opts.maxSeconds !== undefined || opts.maxMemoryBytes !== undefined)) {
      const heap = process.memoryUsage().heapUsed + store.bytesUsed();
      peakHeap = Math.max(peakHeap, heap);
      if (opts.maxSeconds !== undefined && (performance.now() - t0) / 1000 > opts.maxSeconds) {
        stoppedBy = 'seconds';
        break;
      }
      if (opts.maxMemoryBytes !== undefined && heap > opts.maxMemoryBytes) {
        stoppedBy = 'memory';
        break;
      }
    }
    if (++sinceYield >= yieldEvery) {
      sinceYield = 0;
      const seconds = (performance.now() - t0) / 1000;
      const heap = process.memoryUsage().heapUsed + store.bytesUsed();
      peakHeap = Math.max(peakHeap, heap);
      const interrupted = yield {
        distinct: store.count,
        generated,
        queue: store.count - head,
        depth,
        seconds,
        statesPerSecond: store.count / Math.max(seconds, 1e-9),
        heapBytes: heap,
      };
      if (interrupted) {
        stoppedBy = 'interrupt';
        break;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed + store.bytesUsed());

  const found = stop as Found | null;
  const verdict = verdictOf(found !== null, stoppedBy, depthCut, treeBoundHits);
  const cmdRecord = Object.fromEntries(cmdKeys.map((k, i) => [k, cmdCount[i]]));
  const machineCoverage = MACHINES.map((name) => machineCoverageOf(tables[name], tables[name].hits));
  return {
    verdict,
    ...searchOf(u, design, invs, continueOn, symmetry, exact, store.count, executorOf(kernel)),
    distinct: store.count,
    generated,
    depth: found ? depthOf(found.id) : depth,
    seconds,
    statesPerSecond: store.count / Math.max(seconds, 1e-9),
    storeBytes: store.bytesUsed(),
    bytesPerState: store.bytesPerState(),
    packedStateBytes: packer.bytes,
    diskBytes: store.diskBytes(),
    peakHeapBytes: peakHeap,
    ...outcomeOf({
      bounds: { depth: opts.depth, treeMax: u.treeMax, treeBoundHits },
      stoppedBy,
      found,
      quality: quality.values(),
      rebuild: rebuilder(opts, tables, actions, (id) => actionPath(store, id)),
      commands: cmdRecord,
      machines: machineCoverage,
      reach,
      reachedAt,
    }),
  };
}

/** How both searches turn a Found into a counterexample: the general executor (or the mutant) run along the path to it. */
export const rebuilder =
  (opts: CheckOptions, tables: Tables, actions: readonly Action[], pathOf: (id: number) => number[]) =>
  (f: Found): Counterexample => {
    const make = opts.kernel ?? ((u: Universe, d: Design, t: Tables) => new Kernel(u, d, t));
    return rebuildTrace(opts.universe, opts.design, make(opts.universe, opts.design, tables), pathOf(f.id), actions, f.invariant, f.message);
  };

/**
 * Rebuild the shortest trace along `path` (action indices from the initial state): run the
 * commands again with a logging fact sink, carrying each command from the canonical state it
 * was chosen in to the concrete state (pids, handles).
 */
export const rebuildTrace = (
  u: Universe,
  design: Design,
  kernel: Kernel,
  path: readonly number[],
  actions: readonly Action[],
  invariant: Invariant,
  message: string,
): Counterexample => {
  const L = layoutOf(u);
  const canon = new Canonicalizer(L, true);
  const s = new Uint8Array(L.size);
  s[procOff(L, 0)] = 1;
  const log: Event[] = [];
  const facts = new Facts(u, L, design.kind === 'legacy' ? 'lineage' : 'ctx', s, log);
  const commands: Command[] = [];
  for (const ai of path) {
    canon.canon(s);
    const cmd = translate(actions[ai].cmd, canon.procPerm, canon.kPerm);
    commands.push(cmd);
    kernel.step(facts, cmd);
  }
  const w: View = { u, L, design };
  const final = invariant.check(w, s);
  return {
    invariant: invariant.name,
    message: final ?? message,
    commands,
    events: log,
    finalState: stateText(w, s),
    depth: path.length,
    alsoBroken: invariantsFor(design)
      .filter((i) => i.check(w, s) !== null)
      .map((i) => i.name),
  };
};

/** A command chosen in a canonical state, carried to the concrete state it represents. */
const translate = (cmd: Command, procPerm: Int8Array, kPerm: Int8Array): Command => {
  if ('pid' in cmd) return { ...cmd, pid: procPerm[cmd.pid - 1] + 1 };
  if (cmd.kind === 'memunmap_pages' || cmd.kind === 'iounmap') return { ...cmd, handle: (kPerm[cmd.handle - 1] ?? cmd.handle - 1) + 1 };
  return cmd;
};

const sameWords = (a: Uint32Array, b: Uint32Array): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Run the search to the end without yielding control (tests, library use). */
export const checkSync = (opts: CheckOptions): CheckResult => {
  const it = search({ ...opts, yieldEvery: opts.yieldEvery ?? 1 << 30 });
  for (;;) {
    const r = it.next(false);
    if (r.done) return r.value;
  }
};

/** Run the search, yielding to the event loop; onProgress sees each yield, interrupted() stops it. */
export const checkAsync = async (
  opts: CheckOptions,
  onProgress?: (p: Progress) => void,
  interrupted?: () => boolean,
): Promise<CheckResult> => {
  const it = search(opts);
  let stopNow = false;
  for (;;) {
    const r = it.next(stopNow);
    if (r.done) return r.value;
    onProgress?.(r.value);
    await new Promise<void>((res) => setImmediate(res));
    stopNow = interrupted?.() ?? false;
  }
};
