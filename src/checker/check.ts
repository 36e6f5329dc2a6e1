/**
 * The exhaustive bounded model checker of pfnmap: the engine's breadth-first search
 * (src/engine/) over the pfnmap model (model.ts), from one empty address space, so the first
 * violation found is a shortest one. Its counterexamples, found as paths of action indices,
 * are rebuilt here in kernel vocabulary with an event log that `replay` reproduces.
 *
 * `search` is a generator that yields progress (Ctrl-C, time and memory limits, a responsive
 * CLI); `checkSync` drains it in one go; `checkAsync` returns to the event loop at each yield.
 */
import { Kernel } from '../../models/kernel.ts';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import type { Progress, SearchResult, Verdict, Violation } from '../engine/result.ts';
import { runAsync, runSync, search as searchModel } from '../engine/search.ts';
import type { Command } from '../events/commands.ts';
import type { Event } from '../events/codecs.ts';
import { EventBuffer, evolveContext, unitContext } from '../reducer/evolve.ts';
import { initialState } from '../reducer/reduce.ts';
import { Canonicalizer } from '../state/canonical.ts';
import type { Design } from '../state/design.ts';
import { stateText, type View } from '../state/describe.ts';
import { layoutOf } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import type { Action } from './actions.ts';
import { createModel, fastPathAfter, pfnmapModelSpec, type PfnmapModel, type PfnmapModelArgs } from './model.ts';
import { coverageOf, machineCoverage } from './result.ts';

export type { Progress, Verdict };

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
  /**
   * run steps through the generated fast path (fastPath.ts): true from the first step, a number
   * n once a model (one per worker) has taken n general steps or is told of a level that holds
   * FAST_PATH_AHEAD steps, 'auto' as n = FAST_PATH_AFTER (model.ts; what `check` does unless
   * told), false (the default here) never
   */
  readonly fastPath?: boolean | 'auto' | number;
  /** keep every state's bytes and compare them (default), or trust 64-bit fingerprints */
  readonly exact?: boolean;
  /** yield to the caller every this many expanded states */
  readonly yieldEvery?: number;
  /** a seeded bug (models/mutants.ts) by name: the design's machines with its change */
  readonly mutant?: string;
  /** search on this many worker threads (src/engine/parallel.ts; the same result), 1: this thread */
  readonly workers?: number;
  /** (tests) the parallel search's BFS key space, KEY_LIMIT (2^32 - 1) by default: a level
   * whose positions x actions exceed it is expanded in several windows (src/engine/parallel.ts) */
  readonly keySpace?: number;
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
  /** how steps ran: the general path only (false), the fast path from the first step (true), or after this many general steps of each model */
  readonly fastPath: boolean | number;
  readonly storage: 'exact' | 'fingerprint';
  /** birthday-bound probability of a fingerprint collision (0 in exact mode) */
  readonly collisionProbability: number;
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
  /** bytes written to disk: fingerprint mode's trace links and queue (one worker: QueueSpill; the parallel search: its LevelFile, src/engine/spill.ts), 0 otherwise */
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

/**
 * Check a design on a universe. The worker threads of a parallel search build the same model
 * from the same arguments (a seeded bug by its name).
 */
export function* search(opts: CheckOptions): Generator<Progress, CheckResult, boolean | undefined> {
  const args: PfnmapModelArgs = { universe: opts.universe, design: opts.design, mutant: opts.mutant ?? null, invariants: opts.invariants ?? null, symmetry: opts.symmetry ?? true, fastPath: opts.fastPath ?? false };
  const model = createModel(args);
  const continueOn = opts.continueOn ?? (opts.invariants ? [] : model.checked.filter((i) => i.kind === 'quality').map((i) => i.name));
  const r = yield* searchModel(model, { ...opts, continueOn }, pfnmapModelSpec(model));
  return checkResultOf(opts, model, r);
}

/** The engine's result in the checker's terms: counterexamples rebuilt, coverage by command and machine edge. */
const checkResultOf = (opts: CheckOptions, model: PfnmapModel, r: SearchResult): CheckResult => {
  const u = opts.universe;
  const rebuild = (v: Violation): Counterexample =>
    rebuildTrace(u, opts.design, new Kernel(u, opts.design, model.tables), v.trace.actions, model.actions, model.checked[v.invariant], v.message);
  return {
    verdict: r.verdict,
    design: opts.design.name,
    config: u.name,
    invariants: model.checked.map((i) => i.name),
    stopOn: r.stopOn,
    symmetry: model.args.symmetry,
    fastPath: fastPathAfter(opts.fastPath ?? false),
    storage: r.storage,
    collisionProbability: r.collisionProbability,
    distinct: r.distinct,
    generated: r.generated,
    depth: r.depth,
    seconds: r.seconds,
    statesPerSecond: r.statesPerSecond,
    storeBytes: r.storeBytes,
    bytesPerState: r.bytesPerState,
    packedStateBytes: r.packedStateBytes,
    diskBytes: r.diskBytes,
    peakHeapBytes: r.peakHeapBytes,
    bounds: { depth: opts.depth, treeMax: u.treeMax, treeBoundHits: r.cut },
    stoppedBy: r.stoppedBy,
    violation: r.violation ? rebuild(r.violation) : undefined,
    brokenQuality: r.quality.map(rebuild),
    coverage: coverageOf(r.actionCounts, machineCoverage(model.tables, r.modelCounters)),
    reachability: r.reachability,
  };
};

/**
 * Rebuild the shortest trace along `path` (action indices from the initial state): run the
 * commands again, their events decoded into a log, carrying each command from the canonical
 * state it was chosen in to the concrete state (pids, handles).
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
  const s = initialState(u);
  const log: Event[] = [];
  const out = new EventBuffer(evolveContext(u, design), s);
  const commands: Command[] = [];
  for (const ai of path) {
    canon.canon(s);
    const cmd = translate(actions[ai].cmd, canon.procPerm, canon.kPerm);
    commands.push(cmd);
    out.reset(s);
    kernel.step(out, cmd);
    log.push(...out.events(unitContext(u, design, kernel.commands)));
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

/** Run the search to the end without yielding control (tests, library use). */
export const checkSync = (opts: CheckOptions): CheckResult => runSync(search({ ...opts, yieldEvery: opts.yieldEvery ?? 1 << 30 }));

/** Run the search, yielding to the event loop; onProgress sees each yield, interrupted() stops it. */
export const checkAsync = (opts: CheckOptions, onProgress?: (p: Progress) => void, interrupted?: () => boolean): Promise<CheckResult> => runAsync(search(opts), onProgress, interrupted);
