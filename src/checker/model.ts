/**
 * pfnmap as a model of the search engine (src/engine/model.ts): the one place the checker's
 * search meets the kernel model. A state is the packed-layout state (src/state/layout.ts) in
 * its working form and Packer's bit-packed form in storage; an action is a command of
 * `enumerateActions` run by index on the decider (models/kernel.ts, with the design's machines
 * or a seeded bug's), its events written into one reused EventBuffer and applied as they come
 * (evolve), or, with `fastPath`, through the decider's traced and compiled paths (fastPath.ts),
 * shown to leave the same bytes and counts; the plan is ActionPlanner's (the commands the
 * syscall machine answers without a change, and the twins of earlier commands, are counted
 * without running: docs/model.md §7.13); a refused command is a CommandError (inapplicable)
 * or leaves the bytes unchanged; a successor that hit `treeMax` is cut; the canonical form is
 * the Canonicalizer's; the invariants and reachability properties are the design's; the
 * model's counters are the machines' edge hits.
 *
 * The module exports `createModel`, so a worker thread of the parallel search builds the same
 * model from the same arguments (`pfnmapModelSpec`).
 */
import { CommandError, Kernel, NOTE_COUNT } from '../../models/kernel.ts';
import { stringTable } from '../../models/compile.ts';
import { mutantNamed } from '../../models/mutants.ts';
import { ROLES, compileTables, type CompiledTables, type Tables } from '../../models/tables.ts';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import { STEP_CHANGED, STEP_CUT, STEP_INAPPLICABLE, type ActionPlan, type Model, type ModelInvariant, type ModelReachability, type ModelSpec } from '../engine/model.ts';
import { EventBuffer, evolveContext, initialState } from '../reducer/evolve.ts';
import { Canonicalizer } from '../state/canonical.ts';
import type { Design } from '../state/design.ts';
import type { View } from '../state/describe.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf, type Layout } from '../state/layout.ts';
import { Packer } from '../state/packed.ts';
import type { Universe } from '../state/universe.ts';
import { actionKeysOf, ActionPlanner, enumerateActions, type Action, type ActionPlan as Plan } from './actions.ts';
import { FastPath, PATH_INAPPLICABLE, PATH_RAN } from './fastPath.ts';
import { reachabilityFor, type Reachability } from './reachability.ts';

/** What a model is built from (structured-clonable: it crosses to the worker threads). */
export interface PfnmapModelArgs {
  readonly universe: Universe;
  readonly design: Design;
  /** a seeded bug (models/mutants.ts) by name; null: the design's own machines */
  readonly mutant: string | null;
  /** the checked invariants, by name; null: every invariant of the design */
  readonly invariants: readonly string[] | null;
  readonly symmetry: boolean;
  /**
   * run steps through the generated fast path (fastPath.ts): true from the first step; a number
   * n once the model has taken n steps on the general path ('auto': FAST_PATH_AFTER), or
   * before, at a level that holds FAST_PATH_AHEAD steps (levelAhead); the general path alone
   * when absent or false
   */
  readonly fastPath?: boolean | 'auto' | number;
  /**
   * the machines as the thread that sent these args compiled them, with its string table:
   * used instead of compiling when this thread's string codes agree (a worker thread's do)
   */
  readonly compiled?: CompiledTables;
}

/** The compiled machines whose edge hits are the model's counters, in the coverage report's order. */
export const MACHINES = ROLES;

/**
 * The compiled machines of a design, with a seeded bug's change if one is named: those another
 * thread compiled, when given and this thread's string codes agree with its, else compiled here.
 */
export const tablesOf = (u: Universe, design: Design, mutant: string | null, compiled?: CompiledTables): Tables => {
  const change = mutant === null ? undefined : mutantNamed(mutant);
  if (mutant !== null && !change) throw new Error(`unknown mutant '${mutant}'`);
  return compileTables(u, design, change, compiled);
};

export class PfnmapModel implements Model {
  readonly L: Layout;
  readonly view: View;
  readonly tables: Tables;
  readonly kernel: Kernel;
  readonly actions: readonly Action[];
  /** the checked invariants and the design's reachability properties, as the checker knows them */
  readonly checked: readonly Invariant[];
  readonly reach: readonly Reachability[];
  readonly stateBytes: number;
  readonly packedBytes: number;
  readonly actionCount: number;
  readonly actionKeys: readonly string[];
  readonly actionKeyOf: Int32Array;
  readonly invariants: readonly ModelInvariant[];
  readonly reachability: readonly ModelReachability[];
  readonly counterCount: number;
  private readonly packer: Packer;
  private readonly canon: Canonicalizer;
  private readonly planner: ActionPlanner;
  private readonly out: EventBuffer;
  private readonly notes: Uint32Array;
  /** the generated fast path, when the args ask for it (`check --fast-path`), or once 'auto' has built it */
  fast: FastPath | null = null;
  /** the general steps allowed before the fast path is built (args.fastPath; 0: none, Infinity: never), and those left */
  private readonly generalSteps: number;
  private generalStepsLeft: number;
  /** the states planned so far: with the general steps taken, what a state costs, to size a level ahead */
  private plansMade = 0;

  constructor(readonly args: PfnmapModelArgs) {
    const { universe: u, design } = args;
    this.L = layoutOf(u);
    this.view = { u, L: this.L, design };
    this.tables = tablesOf(u, design, args.mutant, args.compiled);
    this.kernel = new Kernel(u, design, this.tables);
    this.actions = enumerateActions(u, design);
    this.kernel.prepare(this.actions.map((a) => a.cmd));
    this.notes = this.kernel.notes;
    const all = invariantsFor(design);
    this.checked = args.invariants ? all.filter((i) => args.invariants!.includes(i.name)) : all;
    this.reach = reachabilityFor(design);
    this.packer = new Packer(this.L, u);
    this.canon = new Canonicalizer(this.L, args.symmetry);
    this.out = new EventBuffer(evolveContext(u, design), new Uint8Array(this.L.size));
    this.stateBytes = this.L.size;
    this.packedBytes = this.packer.bytes;
    this.actionCount = this.actions.length;
    const keys = actionKeysOf(this.actions);
    this.actionKeys = keys.keys;
    this.actionKeyOf = keys.actionKey;
    this.planner = new ActionPlanner(this.kernel, this.actions, keys.actionKey);
    const w = this.view;
    const L = this.L;
    this.invariants = this.checked.map((i) => ({ name: i.name, kind: i.kind, check: (s: Uint8Array) => i.check(w, s) }));
    this.reachability = this.reach.map((r) => ({
      name: r.name,
      description: r.description,
      state: r.state ? (s: Uint8Array) => r.state!(L, s) : undefined,
      mark: r.note !== undefined ? 1 << r.note : undefined,
    }));
    const after = fastPathAfter(args.fastPath ?? false);
    this.generalSteps = this.generalStepsLeft = after === true ? 0 : after === false ? Infinity : after;
    if (this.generalSteps === 0) this.buildFastPath();
    this.counterCount = MACHINES.reduce((n, m) => n + this.tables[m].hits.length, 0);
  }

  /**
   * 'auto' builds the fast path early when a level alone holds FAST_PATH_AHEAD steps (its
   * states times the steps a state has cost so far): a search whose levels grow that large
   * goes on long enough to earn back the tracing and compiling, and each general step taken
   * before the switch costs more than a compiled one.
   */
  levelAhead(states: number): void {
    if (this.fast !== null || this.generalSteps === Infinity || this.plansMade === 0) return;
    if ((states * (this.generalSteps - this.generalStepsLeft)) / this.plansMade >= FAST_PATH_AHEAD) {
      this.generalStepsLeft = 0;
      this.buildFastPath();
    }
  }

  private buildFastPath(): void {
    const { universe: u, design } = this.args;
    this.fast = new FastPath(u, design, this.tables, this.actions.map((a) => a.cmd), this.L, this.notes, this.planner.masks, (a, edge, out) => this.general(a, edge, out));
  }

  pack(s: Uint8Array, dst: Uint8Array, off: number): void {
    this.packer.pack(s, dst, off);
  }

  unpack(src: Uint8Array, off: number, s: Uint8Array): void {
    this.packer.unpack(src, off, s);
  }

  /** one empty address space */
  initialStates(): readonly Uint8Array[] {
    return [initialState(this.args.universe)];
  }

  plan(s: Uint8Array): ActionPlan {
    this.plansMade++;
    this.current = this.planner.plan(s);
    return this.current;
  }
  /** the plan of the state being expanded (step passes its syscall edges on) */
  private current: Plan | null = null;

  /** The successor of s by action into out. s is the state the last plan() was made for (its page masks are the planner's). */
  step(s: Uint8Array, action: number, out: Uint8Array): number {
    out.set(s);
    const notes = this.notes;
    for (let i = 0; i < NOTE_COUNT; i++) notes[i] = 0;
    const edge = this.current!.edges[action];
    if (this.fast !== null) {
      if (this.fast.step(s, action, edge, out) === PATH_INAPPLICABLE) return STEP_INAPPLICABLE;
    } else {
      if (--this.generalStepsLeft === 0) this.buildFastPath();
      if (this.general(action, edge, out) === PATH_INAPPLICABLE) return STEP_INAPPLICABLE;
    }
    return out[HDR_BOUND] & BOUND_TREE ? STEP_CUT : STEP_CHANGED;
  }

  /** The decider's step of action into out, a copy of the state the last plan() was made for: PATH_RAN, or PATH_INAPPLICABLE for a CommandError. */
  private general(action: number, edge: number, out: Uint8Array): number {
    this.out.reset(out);
    try {
      this.kernel.stepAction(this.out, action, this.planner.masks, edge);
    } catch (e) {
      if (e instanceof CommandError) return PATH_INAPPLICABLE;
      throw e;
    }
    return PATH_RAN;
  }

  /** bit n: the kernel note n (NOTE_*) fired */
  lastStepMarks(): number {
    let m = 0;
    for (let i = 0; i < NOTE_COUNT; i++) if (this.notes[i] > 0) m |= 1 << i;
    return m;
  }

  canonicalize(s: Uint8Array): Uint8Array {
    if (!this.args.symmetry) return s;
    this.canon.canon(s);
    return this.canon.out;
  }

  readCounters(into: Float64Array, offset: number): void {
    let o = offset;
    for (const m of MACHINES) {
      const hits = this.tables[m].hits;
      into.set(hits, o);
      o += hits.length;
    }
  }

  resetCounters(): void {
    for (const m of MACHINES) this.tables[m].hits.fill(0);
  }
}

/**
 * `fastPath: 'auto'`: the steps a model takes on the general path before it builds the fast
 * path. Tracing and compiling the paths costs more up front than a search of fewer steps saves
 * (docs/performance.md §10.6): the small bench config stays on the general path, medium and
 * the default suite's universes switch early.
 */
export const FAST_PATH_AFTER = 1 << 20;

/** `fastPath: 'auto'`: the steps a level ahead must hold for the model to build the fast path before FAST_PATH_AFTER steps (levelAhead). */
export const FAST_PATH_AHEAD = 1 << 18;

/** A fastPath option resolved: false (never), true (from the first step) or the general steps before it. */
export const fastPathAfter = (f: boolean | 'auto' | number): boolean | number => (f === 'auto' ? FAST_PATH_AFTER : f === 0 ? true : f);

export const createModel = (args: PfnmapModelArgs): PfnmapModel => new PfnmapModel(args);

/**
 * How a worker thread builds the same model: this module (bundled beside the bundle that runs,
 * bin/bundle.js), with these arguments and the machines this model compiled.
 */
export const pfnmapModelSpec = (model: PfnmapModel): ModelSpec => ({
  module: new URL(import.meta.url.endsWith('.ts') ? './model.ts' : './pfnmap-model.mjs', import.meta.url).href,
  args: { ...model.args, compiled: { tables: model.tables, strings: stringTable() } },
});
