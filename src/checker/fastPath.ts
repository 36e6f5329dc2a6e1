/**
 * The checker's fast path, generated from the one decider (docs/architecture.md §2.5):
 * for each action, the paths the decider took on the states the search met, traced through
 * the decider's tracing build (src/fastpath/) and compiled into one function per tree. A
 * step first runs its action's function on the parent's bytes: when every guard of some
 * traced path holds, the function writes what the decider and evolve would have written, bumps
 * the same machine edge counters and kernel notes, and returns; otherwise (a path not traced
 * yet) the step runs the decider in the tracing build, which writes the successor as the
 * general path does and records the new path.
 *
 * The actions that differ only in the address space they run in or the device frame they
 * name (one command on each pid, or on each frame) share a tree: the address space slot and
 * the frame are traced as the inputs `P` and `F`, so their paths read and write the state at
 * offsets of P (the tracer folds the constants of an offset into one, `(P * 9) + 13`) and
 * compare frames with F, while every other field of the command stays a constant of the path.
 * A tree serves all of them, so each path is traced and compiled once, not once per address
 * space and frame.
 *
 * A tree has two compiled functions: its settled paths, and the paths traced since those
 * were compiled (pending). A new path compiles only the pending function, which is small; the
 * settled one is compiled again, with every path, once the pending paths are as many as half
 * the settled ones. So a tree of n paths is compiled whole about log n times instead of n
 * times.
 *
 * What the paths read and write: the state's bytes (`S`), the planner's page masks (`M`), the
 * syscall machine's edge the planner found (`E`), the action's address space slot and frame
 * (`P`, `F`), the machines' hit counters (`H0`..`H4`, in ROLES order) and the kernel's notes
 * (`N`). The tree operations and the tree searches
 * (RESIDUAL) are called as they are, not traced: their loops would make a path per tree shape.
 * What changes from one step to the next (`S`, `E`, `P`, `F`) is a compiled function's
 * arguments; the rest (the page masks, which the planner loads for each state into the same
 * array, the counters, the notes, the layout `L` and `R`) is the same arrays for the model's
 * life and is bound once, when the function is made, so a step passes only the four that
 * change.
 *
 * The exhaustive equality test (test/checker/fastPath.test.ts) shows, on the small named
 * configs, that for every state the checker expands and every action the fast path leaves the bytes,
 * the counters and the notes the general path leaves.
 */
import { memtypeOverlap, type CommandError, type Kernel } from '../../models/kernel.ts';
import type { Decoded } from '../../models/command.ts';
import type { PageMasks } from '../../models/pageMasks.ts';
import { ROLES, type Tables } from '../../models/tables.ts';
import { stringTable, type stringCode } from '../../models/compile.ts';
import { TREE_OPS, type EVENT_KINDS } from '../events/codecs.ts';
import { loadTracingBuild } from '../fastpath/build.ts';
import { BAIL, PathTree } from '../fastpath/paths.ts';
import type { Tracer } from '../fastpath/tracer.ts';
import type { EventBuffer, evolveContext } from '../reducer/evolve.ts';
import { memtypeFreeMatch, ownerEntryContaining, ownerInUse } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import type { Layout } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import type { Command } from '../events/commands.ts';

/** Functions a path calls as they are (the production build's), by the name the traced code calls them. */
const RESIDUAL = { memtypeFreeMatch, ownerEntryContaining, ownerInUse, memtypeOverlap, ...TREE_OPS } as const;

/** What the tracing build's entry (tracedDecider.ts) exports. */
interface TracedDecider {
  readonly tracer: Tracer;
  readonly Kernel: typeof Kernel;
  readonly CommandError: typeof CommandError;
  readonly PageMasks: typeof PageMasks;
  readonly EventBuffer: typeof EventBuffer;
  readonly evolveContext: typeof evolveContext;
  readonly EVENT_KINDS: typeof EVENT_KINDS;
  readonly stringCode: typeof stringCode;
}

const tracingBuild = (): TracedDecider =>
  loadTracingBuild<TracedDecider>({
    name: 'decider',
    entry: 'src/checker/tracedDecider.ts',
    traced: (f) => /^(models|src\/state|src\/events|src\/reducer)\//.test(f),
    residual: Object.keys(RESIDUAL),
  });

/** A path's outcome: the command ran, or it was inapplicable (a CommandError). */
export const PATH_RAN = 0;
export const PATH_INAPPLICABLE = 1;

type PathFn = (S: Uint8Array, E: number, P: number, F: number) => number;
/**
 * How far one tree grows. A function of more than some tens of kilobytes is no longer
 * optimized by V8, so a tree whose paths are many (an exit or fork over many VMAs: every
 * combination of their states is a path) keeps the paths met first and its actions run the
 * others on the general path.
 */
const MAX_PATHS = 64;
const MAX_BODY = 24_000;
/** The pending paths that make the settled function be compiled again: at least this many, and half the settled ones. */
const MIN_PENDING = 4;
/** a compiled function's arguments, and the names bound when it is made (fn) */
const PARAMS = ['S', 'E', 'P', 'F'];
const BOUND = ['M', 'H0', 'H1', 'H2', 'H3', 'H4', 'N', 'L', 'R'];

/**
 * Each action's tree: actions share one when their decoded commands are equal but for the
 * address space slot `p` and the device frame `frame` (and the command they were decoded from,
 * which names the pid and the pfn).
 */
export const treesOf = (commands: readonly Decoded[]): { treeOf: Int32Array; trees: number } => {
  const byKey = new Map<string, number>();
  const treeOf = Int32Array.from(commands, (d) => {
    const key = Object.entries(d)
      .filter(([field]) => field !== 'p' && field !== 'frame' && field !== 'cmd')
      .map(([field, v]) => {
        // a field that is not a number or a boolean might not be told apart by its text
        if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`fast path: decoded command field '${field}' is a ${typeof v}`);
        return `${field}=${v}`;
      })
      .join(' ');
    let t = byKey.get(key);
    if (t === undefined) byKey.set(key, (t = byKey.size));
    return t;
  });
  return { treeOf, trees: byKey.size };
};

export class FastPath {
  private readonly t: TracedDecider;
  private readonly kernel: Kernel;
  private readonly buffer: EventBuffer;
  /** the tracing build's page masks: a copy of the planner's for each trace */
  private readonly masks: PageMasks;
  private readonly scratch: Uint8Array;
  private readonly hits: readonly Uint32Array[];
  /** per action: its tree (treesOf), its address space slot and its device frame (the paths' `P` and `F`) */
  readonly treeOf: Int32Array;
  readonly spaceOf: Int32Array;
  readonly frameOf: Int32Array;
  /** per tree: every path traced, and the function compiled from them (null: none yet) */
  private readonly trees: PathTree[];
  private readonly fns: (PathFn | null)[];
  /** per tree: the paths traced since fns[t] was compiled, and their function */
  private readonly pending: PathTree[];
  private readonly pendingFns: (PathFn | null)[];
  /** per tree: pendingFns[t] is to be compiled again before its next step */
  private readonly stale: boolean[];
  /** trees the tracer could not follow: their actions always run the general path */
  private readonly untraceable: boolean[];
  /** paths traced so far */
  traced = 0;
  /** whole trees compiled so far: a tree's settled paths compiled again with its pending ones (each new path compiles the small pending function) */
  treeCompiles = 0;

  constructor(
    u: Universe,
    design: Design,
    tables: Tables,
    commands: readonly Command[],
    private readonly L: Layout,
    /** the notes the model reads (the production decider's) */
    private readonly notes: Uint32Array,
    /** the planner's page masks, which hold those of each step's parent (the paths' `M`) */
    private readonly plannerMasks: PageMasks,
    /** the general path's step of action a into out, a copy of the planned state: PATH_RAN or PATH_INAPPLICABLE */
    private readonly general: (a: number, edge: number, out: Uint8Array) => number,
  ) {
    const t = (this.t = tracingBuild());
    // the machines' string payloads are codes in the production build's table: the tracing build's must agree
    stringTable().forEach((str, code) => {
      if (t.stringCode(str) !== code) throw new Error(`tracing build: string code of '${str}' differs`);
    });
    this.kernel = new t.Kernel(u, design, tables);
    this.kernel.prepare(commands);
    this.scratch = new Uint8Array(L.size);
    this.masks = new t.PageMasks(this.kernel.L);
    this.buffer = tracingBuffer(t, u, design, this.scratch);
    this.hits = ROLES.map((r) => tables[r].hits);
    const decoded = commands.map((_, a) => this.kernel.preparedCommand(a));
    const { treeOf, trees: n } = treesOf(decoded);
    this.treeOf = treeOf;
    this.spaceOf = Int32Array.from(decoded, (d) => d.p);
    this.frameOf = Int32Array.from(decoded, (d) => d.frame);
    this.trees = Array.from({ length: n }, () => new PathTree());
    this.fns = new Array<PathFn | null>(n).fill(null);
    this.pending = Array.from({ length: n }, () => new PathTree());
    this.pendingFns = new Array<PathFn | null>(n).fill(null);
    this.stale = new Array<boolean>(n).fill(false);
    this.untraceable = new Array<boolean>(n).fill(false);
  }

  /**
   * Action a on parent s into out (a copy of s on entry): PATH_RAN or PATH_INAPPLICABLE, with
   * the notes set. `edge`: the syscall edge of a in s (the planner's page masks hold s's).
   */
  step(s: Uint8Array, a: number, edge: number, out: Uint8Array): number {
    const t = this.treeOf[a];
    if (this.untraceable[t]) return this.general(a, edge, out);
    if (this.stale[t]) this.compile(t);
    const space = this.spaceOf[a];
    const frame = this.frameOf[a];
    const f = this.fns[t];
    if (f !== null) {
      const r = f(out, edge, space, frame);
      if (r !== BAIL) return r;
      out.set(s);
    }
    const p = this.pendingFns[t];
    if (p !== null) {
      const r = p(out, edge, space, frame);
      if (r !== BAIL) return r;
      out.set(s);
    }
    // a full tree takes no more paths: the rest of its actions' steps run the general path
    const tree = this.trees[t];
    if (tree.paths >= MAX_PATHS || tree.size + this.pending[t].size >= MAX_BODY) return this.general(a, edge, out);
    return this.trace(s, a, edge, out);
  }

  /** Run a in the tracing build (the general path, traced, its address space and frame the inputs P and F) and keep its path. */
  private trace(s: Uint8Array, a: number, edge: number, out: Uint8Array): number {
    const { tracer, CommandError } = this.t;
    const t = this.treeOf[a];
    const before = this.hits.map((h) => h.slice());
    this.scratch.set(s);
    this.masks.words.set(this.plannerMasks.words);
    this.kernel.notes.fill(0);
    this.buffer.reset(this.scratch);
    this.track(tracer);
    const d = this.kernel.preparedCommand(a);
    tracer.begin();
    d.p = tracer.input('P', this.spaceOf[a]) as unknown as number;
    d.frame = tracer.input('F', this.frameOf[a]) as unknown as number;
    let result = PATH_RAN;
    let followed = true;
    try {
      this.kernel.stepAction(this.buffer, a, this.masks, tracer.input('E', edge) as unknown as number);
    } catch (e) {
      if (e instanceof CommandError) result = PATH_INAPPLICABLE;
      else followed = false;
    }
    const ops = tracer.end();
    d.p = this.spaceOf[a];
    d.frame = this.frameOf[a];
    if (!followed) {
      // the tracer could not follow this action: undo its counts, run its tree's actions untraced from now on
      this.hits.forEach((h, i) => h.set(before[i]));
      this.untraceable[t] = true;
      return this.general(a, edge, out);
    }
    out.set(this.scratch);
    this.notes.set(this.kernel.notes);
    if (this.trees[t].add(ops, result)) {
      this.pending[t].add(ops, result);
      this.traced++;
      this.stale[t] = true;
    }
    return result;
  }

  /** The tracer's names for what paths read and write (set before each trace: the tracer is shared by every FastPath of the thread). */
  private track(tracer: Tracer): void {
    tracer.track(this.scratch, 'S');
    tracer.track(this.masks.words, 'M');
    this.hits.forEach((h, i) => tracer.track(h, `H${i}`, true));
    tracer.track(this.kernel.notes, 'N', true);
    tracer.name(this.kernel.L, 'L');
    tracer.name(this.buffer.ctx.L, 'L');
  }

  /**
   * A rewrite of every compiled body, for the tests' planted differences (test/checker/fastPath.test.ts);
   * setting it compiles every action again.
   */
  set plant(rewrite: ((body: string) => string) | null) {
    this.rewrite = rewrite;
    this.trees.forEach((tree, t) => {
      if (tree.paths > 0) this.fns[t] = this.fn(tree);
      this.stale[t] = this.pending[t].paths > 0;
    });
  }
  private rewrite: ((body: string) => string) | null = null;

  /** Compile tree t's pending paths, or, when they are many enough, all its paths (and none is pending). */
  private compile(t: number): void {
    const pending = this.pending[t];
    if (pending.paths >= Math.max(MIN_PENDING, (this.trees[t].paths - pending.paths) / 2)) {
      this.fns[t] = this.fn(this.trees[t]);
      this.treeCompiles++;
      this.pending[t] = new PathTree();
      this.pendingFns[t] = null;
    } else this.pendingFns[t] = this.fn(pending);
    this.stale[t] = false;
  }

  private fn(tree: PathTree): PathFn {
    const body = tree.body();
    const make = new Function(...BOUND, `return function (${PARAMS.join(', ')}) {\n${this.rewrite ? this.rewrite(body) : body}\n};`);
    const h = this.hits;
    return make(this.plannerMasks.words, h[0], h[1], h[2], h[3], h[4], this.notes, this.L, RESIDUAL) as PathFn;
  }
}

/**
 * An event buffer of the tracing build whose emitters keep traced values as they are (the
 * generated emitters of evolve.ts would store them into a Float64Array): fields go into a
 * plain array, absent ones as NaN, and each event is applied by its kind's traced `apply`.
 */
const tracingBuffer = (t: TracedDecider, u: Universe, design: Design, s: Uint8Array): EventBuffer => {
  const real = new t.EventBuffer(t.evolveContext(u, design), s);
  const b = real as unknown as { buf: unknown[]; emit: unknown };
  const buf = new Array<unknown>(8 * 1024).fill(0);
  b.buf = buf;
  const emit: Record<string, (...a: unknown[]) => number> = {};
  t.EVENT_KINDS.forEach((k, code) => {
    const n = k.names.length + k.hints;
    emit[k.type] = (...a: unknown[]) => {
      const o = real.slot(code);
      for (let i = 0; i < n; i++) {
        const x = a[i];
        buf[o + i] = x === undefined ? NaN : typeof x === 'boolean' ? +x : x;
      }
      k.apply(real.ctx, real.s, buf as unknown as Float64Array, o);
      return o - 1;
    };
  });
  b.emit = emit;
  return real;
};
