/**
 * pfnmap as a model of the search engine (src/engine/model.ts): the one place the checker's
 * search meets the kernel model. A state is the packed-layout state (src/state/layout.ts) in
 * its working form and Packer's bit-packed form in storage; an action is a command of
 * `enumerateActions` run by index on the design's executor (or a seeded bug) with a log-free
 * fact sink; the plan is ActionPlanner's (commands proven to change nothing, or to do what an
 * earlier one does, are counted without running: docs/model.md §7.13); a refused command is
 * a CommandError (inapplicable) or leaves the bytes unchanged; a successor that hit `treeMax`
 * is cut; the canonical form is the Canonicalizer's; the invariants and reachability
 * properties are the design's; the model's counters are the machines' edge hits.
 *
 * The module exports `createModel`, so a worker thread of the parallel search builds the same
 * model from the same arguments (`pfnmapModelSpec`).
 */
import { CommandError, NOTE_COUNT, type Kernel } from '../../models/kernel.ts';
import { mutantNamed } from '../../models/mutants.ts';
import { compileTables, type Tables } from '../../models/tables.ts';
import { kernelFor } from '../../models/trackedKernel.ts';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import { STEP_CHANGED, STEP_CUT, STEP_INAPPLICABLE, type ActionPlan, type Model, type ModelInvariant, type ModelReachability, type ModelSpec } from '../engine/model.ts';
import { Facts } from '../reducer/facts.ts';
import { initialState } from '../reducer/reduce.ts';
import { Canonicalizer } from '../state/canonical.ts';
import type { Design } from '../state/design.ts';
import type { View } from '../state/describe.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf, type Layout } from '../state/layout.ts';
import { Packer } from '../state/packed.ts';
import type { Universe } from '../state/universe.ts';
import { actionKeysOf, ActionPlanner, enumerateActions, type Action } from './actions.ts';
import { reachabilityFor, type Reachability } from './reachability.ts';

/** What a model is built from (structured-clonable: it crosses to the worker threads). */
export interface PfnmapModelArgs {
  readonly universe: Universe;
  readonly design: Design;
  /** a seeded bug (models/mutants.ts) by name; null: the design's executor */
  readonly mutant: string | null;
  /** the checked invariants, by name; null: every invariant of the design */
  readonly invariants: readonly string[] | null;
  readonly symmetry: boolean;
}

/** An executor factory (CheckOptions.kernel). */
export type KernelFactory = (u: Universe, d: Design, t: Tables) => Kernel;

/** The compiled machines whose edge hits are the model's counters, in the coverage report's order. */
export const MACHINES = ['syscall', 'vma', 'kref', 'memtype', 'patInfo'] as const;

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
  private readonly facts: Facts;
  private readonly notes: Uint32Array;

  constructor(
    readonly args: PfnmapModelArgs,
    make?: KernelFactory,
  ) {
    const { universe: u, design } = args;
    this.L = layoutOf(u);
    this.view = { u, L: this.L, design };
    this.tables = compileTables(u, design);
    const mk = make ?? (args.mutant !== null ? mutantNamed(args.mutant)?.make : undefined);
    if (args.mutant !== null && !mk) throw new Error(`unknown mutant '${args.mutant}'`);
    this.kernel = mk ? mk(u, design, this.tables) : kernelFor(u, design, this.tables);
    this.actions = enumerateActions(u, design);
    this.kernel.prepare(this.actions.map((a) => a.cmd));
    this.notes = this.kernel.notes;
    const all = invariantsFor(design);
    this.checked = args.invariants ? all.filter((i) => args.invariants!.includes(i.name)) : all;
    this.reach = reachabilityFor(design);
    this.packer = new Packer(this.L, u);
    this.canon = new Canonicalizer(this.L, args.symmetry);
    this.facts = new Facts(u, this.L, design.kind === 'legacy' ? 'lineage' : 'ctx', new Uint8Array(this.L.size), null);
    this.stateBytes = this.L.size;
    this.packedBytes = this.packer.bytes;
    this.actionCount = this.actions.length;
    const keys = actionKeysOf(this.actions);
    this.actionKeys = keys.keys;
    this.actionKeyOf = keys.actionKey;
    this.planner = new ActionPlanner(this.L, this.actions, keys.actionKey);
    const w = this.view;
    const L = this.L;
    this.invariants = this.checked.map((i) => ({ name: i.name, kind: i.kind, check: (s: Uint8Array) => i.check(w, s) }));
    this.reachability = this.reach.map((r) => ({
      name: r.name,
      description: r.description,
      state: r.state ? (s: Uint8Array) => r.state!(L, s) : undefined,
      mark: r.note !== undefined ? 1 << r.note : undefined,
    }));
    this.counterCount = MACHINES.reduce((n, m) => n + this.tables[m].hits.length, 0);
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
    return this.planner.plan(s);
  }

  step(s: Uint8Array, action: number, out: Uint8Array): number {
    out.set(s);
    const notes = this.notes;
    for (let i = 0; i < NOTE_COUNT; i++) notes[i] = 0;
    const f = this.facts;
    f.s = out;
    try {
      this.kernel.stepAction(f, action);
    } catch (e) {
      if (e instanceof CommandError) return STEP_INAPPLICABLE;
      throw e;
    }
    return out[HDR_BOUND] & BOUND_TREE ? STEP_CUT : STEP_CHANGED;
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

export const createModel = (args: PfnmapModelArgs, make?: KernelFactory): PfnmapModel => new PfnmapModel(args, make);

/** How a worker thread builds the same model: this module (bundled beside the bundle that runs, bin/bundle.js), with these arguments. */
export const pfnmapModelSpec = (args: PfnmapModelArgs): ModelSpec => ({
  module: new URL(import.meta.url.endsWith('.ts') ? './model.ts' : './pfnmap-model.mjs', import.meta.url).href,
  args,
});
