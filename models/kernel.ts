/**
 * The decider: runs one command (MODEL.md §3) against a state and emits the facts it causes
 * as events into an EventBuffer (src/reducer/evolve.ts), which applies each one to the state as
 * it is written: the decider reads its own writes, as the kernel does under mmap_lock and
 * memtype_lock, and never writes the state itself. Its control flow is the kernel's (mm/mmap.c,
 * mm/vma.c, mm/mremap.c, mm/mprotect.c, mm/madvise.c, kernel/fork.c, mm/memory.c,
 * arch/x86/mm/pat/memtype.c; docs/kernel-mapping.md cites each step) and every decision that
 * depends on the design or the kernel era, every tracking hook, every kref and memtype outcome
 * comes from the compiled machines (tables.ts):
 *
 * - syscallMachine: the checks a command makes before it changes anything, and the order of
 *   the steps of MAP_FIXED and mremap per era;
 * - vmaMachine: which pfnmap hooks a VMA transition runs, per design;
 * - krefMachine: kref_get / kref_put / REFCOUNT_MAX refusal / release and what it untracks;
 * - memtypeMachine: conflict check, type substitution, caller refusal, exact/END/invalid free;
 * - patInfoMachine: the VM_PAT design's first-PTE lookup (get_pat_info / follow_phys).
 *
 * A machine's facts are read as the integer programs compile.ts makes of them; the fact codes
 * are looked up by name once, at construction. Running a decoded command (command.ts)
 * allocates nothing.
 */
import type { Command } from '../src/events/commands.ts';
import { DUP_FORK, DUP_MREMAP, DUP_SPLIT, MATCH_END, MATCH_EXACT, MATCH_NONE, MATCH_PART, PROT_R, PROT_RW } from '../src/events/codecs.ts';
import { CommandTable, FLAG_VM_PAT } from '../src/events/fields.ts';
import type { EventBuffer, Emitters } from '../src/reducer/evolve.ts';
import {
  ctxKref,
  ctxPages,
  ctxPfn,
  freeCtxId,
  freeKernelSlot,
  freeProc,
  isAlive,
  kKind,
  kPages,
  kPfn,
  matchEnd,
  matchExact,
  memtypeFreeMatch,
  ownerEntryContaining,
  ownerInUse,
  ownerOf,
  pgoffOf,
  pteOf,
  tEnd,
  tOwner,
  tStart,
  tType,
  treeCount,
  vflags,
  vmaEndOf,
  vmaStartOf,
  type Bytes,
} from '../src/state/access.ts';
import { UC_MINUS, WB } from '../src/state/cacheMode.ts';
import type { Design } from '../src/state/design.ts';
import { EACCES, EAGAIN, EFAULT, EINVAL, ENOMEM } from '../src/state/errno.ts';
import { addrOf } from '../src/state/geometry.ts';
import {
  KERNEL_IOREMAP,
  KERNEL_MEMREMAP,
  OWNER_KERNEL,
  PTE_ANON,
  VF_DONTCOPY,
  VF_DRIVER,
  VF_IN_VMA,
  VF_PFNMAP,
  VF_READ,
  VF_SHARED,
  VF_START,
  VF_WRITE,
  WARN_BUG_REMAP_PTE,
  WARN_GET_PAT_INFO,
  WARN_KINDS,
  WARN_REFCOUNT_UNDERFLOW,
  layoutOf,
  ptePfn,
  pteMode,
  type Layout,
} from '../src/state/layout.ts';
import type { Universe } from '../src/state/universe.ts';
import {
  C_EXIT,
  C_FORK,
  C_IOREMAP,
  C_IOUNMAP,
  C_MADVISE,
  C_MEMREMAP_PAGES,
  C_MEMUNMAP_PAGES,
  C_MMAP,
  C_MPROTECT,
  C_MREMAP,
  C_MUNMAP,
  C_UNMAP_MAPPING_RANGE,
  C_VMF_INSERT_PFN,
  C_WRITE_FAULT,
  C_ZAP_VMA_PTES,
  Decoded,
  FAULT_COPY_PAGE_RANGE,
  FAULT_CTX_ALLOC,
  FAULT_REMAP_FILL_FIRST,
  FAULT_REMAP_FILL_LATER,
  FAULT_SPLIT,
  FAULT_TRACK_PFN_COPY,
  FILE_DEVMEM,
  FILE_DRIVER_PARTIAL,
  FILE_DRIVER_TWICE,
} from './command.ts';
import { emits, factCode, payloadAt, stringCode, takeEdge, type CompiledMachine } from './compile.ts';
import { KREF_DUP_EVENT, KREF_PUT_EVENT } from './krefMachine.ts';
import { FREE_EVENT, FREE_PART_EVENT, OVERLAP_CONFLICT, OVERLAP_NONE, OVERLAP_UNIFORM, RESERVE_EVENT } from './memtypeMachine.ts';
import { M_DONTCOPY, M_MAPPED, M_PFNMAP, M_READ, M_WRITE, PageMasks } from './pageMasks.ts';
import { GET_PAT_INFO_EVENT } from './patInfoMachine.ts';
import { EXIT_EVENT, FAULT_EVENT, FORK_EVENT, MADVISE_EVENT, MMAP_EVENT, MPROTECT_EVENT, MREMAP_EVENT, MREMAP_VMA_EVENT, MUNMAP_EVENT, ZAP_VMA_PTES_EVENT } from './syscallMachine.ts';
import { compileTables, type MachineChange, type Tables } from './tables.ts';
import { VMA_STATE_CODES, V_ATTACH, V_COPY_FAILED, V_DUP_FORK, V_DUP_MREMAP, V_DUP_SPLIT, V_FILL_FAILED, V_FREE, V_MOVE_SOURCE, V_REMAP_FAILED, V_REMAP_PARTIAL, V_REMAP_WHOLE, V_UNMAP, V_ZAP } from './vmaMachine.ts';

/** A command the universe cannot represent (outside its pages or frames, a dead pid). */
export class CommandError extends Error {}

export interface StepResult {
  readonly ret: number;
  readonly signal?: 'SIGBUS' | 'SIGSEGV';
}

/** Decisions the checker's reachability properties look for (counts, reset by the caller). */
export const NOTE_RESERVE_REFUSED = 0;
export const NOTE_DUP_REFUSED = 1;
export const NOTE_COUNT = 2;

/**
 * What the syscall machine answers a prepared command in a state (`decide`): run it; count it
 * as changing nothing (it returns before touching anything); or skip it (its address space is
 * not alive, so it is no command of that state).
 */
export const DECIDE_RUN = 0;
export const DECIDE_NO_CHANGE = 1;
export const DECIDE_SKIP = 2;

/** `check`'s answer for a command that proceeds (a result no command returns). */
const PROCEED = 0x7fffffff;

/** track_pfn_copy of RAM (an anon first page, before 04c35ab3bdae): no reservation was made. */
const NO_RESERVATION = 0x7fff;

const SIGNALS = [undefined, 'SIGBUS', 'SIGSEGV'] as const;
const SIG_BUS = 1;
const SIG_SEGV = 2;

/**
 * memtype_check_conflict's view of [start, end) in state s (§1.4): the overlap class
 * (OVERLAP_NONE, _UNIFORM, _CONFLICT) in the low 2 bits, the first overlapping type above.
 */
export const memtypeOverlap = (L: Layout, s: Bytes, start: number, end: number): number => {
  let overlap = OVERLAP_NONE;
  let first = 0;
  const n = treeCount(L, s);
  for (let k = 0; k < n; k++) {
    if (tStart(L, s, k) >= end || tEnd(L, s, k) <= start) continue;
    const t = tType(L, s, k);
    if (overlap === OVERLAP_NONE) {
      overlap = OVERLAP_UNIFORM;
      first = t;
    } else if (t !== first) return OVERLAP_CONFLICT | (first << 2);
  }
  return overlap | (first << 2);
};

/** get_unmapped_area, top-down: the highest run of n free pages in a mask of mapped pages, or -1. */
export const topDownGap = (mapped: number, V: number, n: number): number => {
  const run = (1 << n) - 1;
  for (let s0 = V - n; s0 >= 0; s0--) if ((mapped & (run << s0)) === 0) return s0;
  return -1;
};

export class Kernel {
  readonly L: Layout;
  readonly T: Tables;
  protected out!: EventBuffer;
  protected e!: Emitters;
  protected s!: Bytes;
  readonly notes = new Uint32Array(NOTE_COUNT);
  /** the commands the events of this decider name (prepared actions first) */
  readonly commands = new CommandTable();
  /** the syscall checks' view of the state (pageMasks.ts) */
  readonly masks: PageMasks;
  private decoded: Decoded[] = [];
  private readonly mtrrUc: boolean;
  /** the split with this number (0-based) in the command fails (an injected fault) */
  private splitFailAt = -1;
  private splitCount = 0;
  private signal = 0;
  /** MAP_FIXED with the replaced VMAs freed after the new mapping: [fact, ctx, first frame, pages] per deferred hook, `deferredCount` of them */
  private deferred = new Int32Array(64);
  private deferredCount = 0;
  private deferring = false;
  /** the cache mode the last reservation gave (reserve) or looked up (pfnmap_setup_cachemode) */
  private resMode = 0;
  private readonly F: FactCodes;
  /**
   * Take the syscall machine's `noop` answers (a call that finds nothing to change returns at
   * once). Off, such a call runs its body, which must come to the same result and change
   * nothing: the exhaustive tests run both ways (test/checker/equality.test.ts).
   */
  noopShortcut = true;

  constructor(
    readonly u: Universe,
    readonly design: Design,
    tables?: Tables,
  ) {
    this.L = layoutOf(u);
    this.T = tables ?? compileTables(u, design);
    this.mtrrUc = u.mtrr !== 'WB';
    this.masks = new PageMasks(this.L);
    this.F = factCodesOf(this.T);
  }

  /** The decider of a design with some machines changed (a seeded bug, mutants.ts). */
  static withChange(u: Universe, design: Design, change: MachineChange): Kernel {
    return new Kernel(u, design, compileTables(u, design, change));
  }

  // ------------------------------------------------------------------------------------------
  // entry points

  /** Decode the checker's actions once; stepAction(i) runs the i-th. */
  prepare(cmds: readonly Command[]): void {
    this.decoded = cmds.map((c) => new Decoded(c, this.u));
    for (const c of cmds) this.commands.add(c);
  }

  /** The i-th prepared command, decoded (the fast path groups the actions by its fields). */
  preparedCommand(i: number): Decoded {
    return this.decoded[i];
  }

  /**
   * Run the i-th prepared command, its events into `out` (applied to out.s); returns its result.
   * `masks`: the page masks of out.s, when the caller has them loaded (the checker's planner
   * loaded them for the state it expands).
   */
  stepAction(out: EventBuffer, i: number, masks?: PageMasks, syscallEdge = -1): number {
    this.given = masks ?? null;
    this.givenEdge = syscallEdge;
    return this.run(out, this.decoded[i], i);
  }
  private given: PageMasks | null = null;
  /** the syscall machine's edge for the command in the given masks' state, when `decide` found it (-1: not known) */
  private givenEdge = -1;
  /** the final syscall edge the last `decide` took (-1: a kernel-side command) */
  decidedEdge = -1;

  /** Run one command; its events go to `out`. */
  exec(out: EventBuffer, cmd: Command): StepResult {
    const ret = this.step(out, cmd);
    const signal = SIGNALS[this.signal];
    return signal ? { ret, signal } : { ret };
  }

  step(out: EventBuffer, cmd: Command): number {
    this.given = null;
    this.givenEdge = -1;
    return this.run(out, new Decoded(cmd, this.u), this.commands.add(cmd));
  }

  /**
   * The syscall machine's answer to prepared command i in the state the masks were loaded
   * from: DECIDE_NO_CHANGE when it returns before changing anything, else DECIDE_RUN (the
   * checker counts the first kind without running them). The edge it took is left in
   * decidedEdge, for stepAction in that state.
   */
  decide(i: number, masks: PageMasks): number {
    const d = this.decoded[i];
    if (d.p >= 0 && masks.of(d.p, 0) !== 1) return DECIDE_SKIP;
    const ev = this.syscallEdge(d, masks, false);
    this.decidedEdge = ev;
    if (ev < 0) return DECIDE_RUN;
    const T = this.T.syscall;
    return T.prog[T.progStart[ev]] === this.F.proceed ? DECIDE_RUN : DECIDE_NO_CHANGE;
  }

  /**
   * Prepared command i's twin key in the state the masks were loaded from, for a command decide
   * runs there by syscall edge `edge`: two commands with the same key do exactly the same in
   * that state, so the checker runs the first and counts the others as generated without
   * running them, as it counts the no-op answers. munmap (do_vmi_munmap) and MADV_DONTFORK
   * (madvise_walk_vmas, mm/madvise.c) act only on the VMAs their range meets, split where the
   * range ends inside one: both are fixed by the mapped pages of the range. mprotect
   * (do_mprotect_pkey, mm/mprotect.c) acts only on the pages its walk changes, mprotect_fixup
   * returning at once on the others (with PROT_WRITE on every page walked: a VM_SHARED one is
   * refused whatever it holds). The key is those pages with the address space, the syscall
   * edge (the machine's whole view of the arguments), the requested protection or advice and
   * the injected fault. null: no twin rule for the command.
   * The exhaustive walk (test/support/exhaustive.ts) runs every twin on every state the checker
   * expands in the small configs and compares it with the first of its key.
   */
  twinKey(i: number, masks: PageMasks, edge: number): string | null {
    const d = this.decoded[i];
    switch (d.kind) {
      case C_MUNMAP:
        return `munmap ${d.p} ${edge} ${d.fault} ${masks.of(d.p, M_MAPPED) & d.rangeMask}`;
      case C_MADVISE:
        return d.dontfork ? `madvise ${d.p} ${edge} ${d.fault} ${masks.of(d.p, M_MAPPED) & d.rangeMask}` : null;
      case C_MPROTECT:
        this.mprotectWalk(d, masks);
        return `mprotect ${d.p} ${edge} ${d.fault} ${d.protBits} ${d.protBits & VF_WRITE ? this.walked : this.walkChanges}`;
    }
    return null;
  }

  private run(out: EventBuffer, d: Decoded, cmdIndex: number): number {
    this.out = out;
    this.e = out.emit;
    this.s = out.s;
    this.splitFailAt = -1;
    this.splitCount = 0;
    this.signal = 0;
    const p = d.p;
    if (p === -2 || (p >= 0 && !isAlive(this.L, this.s, p))) throw new CommandError(`pid ${(d.cmd as { pid: number }).pid} is not a live address space`);
    const marker = p >= 0 ? this.e.syscall(p, cmdIndex, 0) : this.e.kernel_call(cmdIndex, 0);
    const ret = this.dispatch(d, p);
    // the opening event carries the result, known only now
    out.buf[marker + (p >= 0 ? 3 : 2)] = ret;
    if (p >= 0 && this.signal) out.buf[marker + 4] = this.signal - 1;
    return ret;
  }

  private dispatch(d: Decoded, p: number): number {
    switch (d.kind) {
      case C_MMAP:
        return this.mmap(p, d);
      case C_MUNMAP:
        return this.munmap(p, d);
      case C_MPROTECT:
        return this.mprotect(p, d);
      case C_MADVISE:
        return this.madvise(p, d);
      case C_MREMAP:
        return this.mremap(p, d);
      case C_FORK:
        return this.fork(p, d);
      case C_EXIT:
        return this.exit(p, d);
      case C_WRITE_FAULT:
        return this.writeFault(p, d);
      case C_VMF_INSERT_PFN:
        return this.vmfInsertPfn(p, d);
      case C_ZAP_VMA_PTES:
        return this.zapVmaPtes(p, d);
      case C_UNMAP_MAPPING_RANGE:
        return this.unmapMappingRange(d);
      case C_MEMREMAP_PAGES:
        return this.memremapPages(d);
      case C_IOREMAP:
        return this.ioremap(d);
      case C_MEMUNMAP_PAGES:
        return this.kernelUnmap(KERNEL_MEMREMAP, d.handle);
      case C_IOUNMAP:
        return this.kernelUnmap(KERNEL_IOREMAP, d.handle);
    }
    throw new CommandError(`unknown command kind ${d.cmd.kind}`);
  }

  // ------------------------------------------------------------------------------------------
  // the syscall machine: checks before anything changes

  /**
   * The syscall machine's event for command d in the state the masks hold (address space d.p
   * and the aliveness of all): what its arguments are and what the pages of its range hold.
   * -1: a kernel-side command, which the machine does not check.
   */
  classify(d: Decoded, m: PageMasks): number {
    const V = this.L.V;
    const p = d.p;
    switch (d.kind) {
      case C_MMAP: {
        const noSpace = !d.fixed && d.n > 0 && topDownGap(m.of(p, M_MAPPED), V, d.n) < 0;
        return MMAP_EVENT.at(+d.lenZero, +(d.fixed && d.unaligned), +noSpace, +d.fixed);
      }
      case C_MUNMAP:
        return MUNMAP_EVENT.at(+d.unaligned, +(d.n === 0), +((m.of(p, M_MAPPED) & d.rangeMask) === 0));
      case C_MPROTECT: {
        if (d.unaligned || d.lenZero) return MPROTECT_EVENT.at(+d.unaligned, +d.lenZero, 0, 0, 0);
        const startInHole = !(d.a >= 0 && d.a < V && (m.of(p, M_MAPPED) >> d.a) & 1);
        if (startInHole) return MPROTECT_EVENT.at(0, 0, 1, 0, 0);
        this.mprotectWalk(d, m);
        const walkEnd = d.a + popcount(this.walked);
        return MPROTECT_EVENT.at(0, 0, 0, +(this.walkChanges === 0), +(walkEnd < d.a + d.n));
      }
      case C_MADVISE: {
        if (d.unaligned || d.lenZero) return MADVISE_EVENT.at(+d.unaligned, +d.lenZero, 0, 0, 0, 0);
        const mapped = m.of(p, M_MAPPED) & d.rangeMask;
        if (mapped === 0) return MADVISE_EVENT.at(0, 0, 1, 0, 0, 0);
        if (!d.dontfork) return MADVISE_EVENT.at(0, 0, 0, 1, 0, 0);
        const walkHole = d.a < 0 || d.a + d.n > V || (d.rangeMask & ~mapped) !== 0;
        return MADVISE_EVENT.at(0, 0, 0, 0, +((mapped & ~m.of(p, M_DONTCOPY)) === 0), +walkHole);
      }
      case C_MREMAP:
        return MREMAP_EVENT.at(+d.badFlags, +(d.mremapFixed && !d.maymove), +(d.dontunmap && (!d.maymove || !d.sameLen)), +d.unaligned, +d.lenZero);
      case C_FORK:
        return FORK_EVENT.at(+!m.freeSlot());
      case C_EXIT:
        return EXIT_EVENT.at();
      case C_WRITE_FAULT:
      case C_VMF_INSERT_PFN:
        return FAULT_EVENT.at(+((m.of(p, M_MAPPED) & d.rangeMask) === 0));
      case C_ZAP_VMA_PTES:
        return ZAP_VMA_PTES_EVENT.at(+((m.of(p, M_MAPPED) & d.rangeMask) === 0));
    }
    return -1;
  }

  /** mprotectWalk's answer: the pages walked, and those of them whose protection changes */
  private walked = 0;
  private walkChanges = 0;
  /**
   * mprotect's walk over the masks' state: the run of mapped pages from the range's start
   * (do_mprotect_pkey stops at a hole), and those of them whose VM_READ/VM_WRITE differ from
   * what it asks (mprotect_fixup returns at once on the others).
   */
  private mprotectWalk(d: Decoded, m: PageMasks): void {
    const x = (m.of(d.p, M_MAPPED) & d.rangeMask) >>> d.a;
    this.walked = (x & ~(x + 1)) << d.a;
    const r = m.of(d.p, M_READ);
    const w = m.of(d.p, M_WRITE);
    const same = (d.protBits & VF_READ ? r : ~r) & (d.protBits & VF_WRITE ? w : ~w);
    this.walkChanges = this.walked & ~same;
  }

  /** mremap's second check, once its arguments passed: against the address space. */
  private classifyMremapVma(d: Decoded, m: PageMasks): number {
    const p = d.p;
    const noVma = !(d.a >= 0 && d.a < this.L.V && (m.of(p, M_MAPPED) >> d.a) & 1);
    const moving = d.mremapFixed || d.dontunmap;
    const overlap = moving && !d.newUnaligned && d.a < d.newA + d.newN && d.newA < d.a + d.n;
    const growPfnmap = !moving && d.newN > d.n && !noVma && ((m.of(p, M_PFNMAP) >> d.a) & 1) === 1;
    return MREMAP_VMA_EVENT.at(+noVma, +(moving && d.newUnaligned), +overlap, +growPfnmap, +(d.dontunmap && !d.mremapFixed), +d.mremapFixed, +(d.n === d.newN));
  }

  /**
   * The syscall machine's edge for command d in the state the masks hold (the second edge of a
   * two-step check, mremap's, once the first proceeds); each edge taken is counted when `count`.
   * -1: a kernel-side command, which the machine does not check.
   */
  private syscallEdge(d: Decoded, m: PageMasks, count: boolean): number {
    const T = this.T.syscall;
    let ev = this.classify(d, m);
    if (ev < 0) return -1;
    if (count) takeEdge(T, 0, ev);
    if (d.kind === C_MREMAP && T.prog[T.progStart[ev]] === this.F.proceed) {
      ev = this.classifyMremapVma(d, m);
      if (count) takeEdge(T, 0, ev);
    }
    return ev;
  }

  /**
   * Run the syscall machine for command d of address space p: PROCEED when the command goes on (the
   * machine's further facts are at this.proceedAt .. this.proceedEnd), else its result.
   */
  private check(d: Decoded, p: number): number {
    let m = this.given;
    if (m === null) {
      m = this.masks;
      m.loadAlive(this.s);
      m.loadProc(this.s, p);
    }
    const T = this.T.syscall;
    let edge = this.givenEdge;
    // a two-step check (mremap) is taken again, to count both edges
    if (edge < 0 || d.kind === C_MREMAP) edge = this.syscallEdge(d, m, true);
    else T.hits[edge]++;
    const i = T.progStart[edge];
    const code = T.prog[i];
    if (code === this.F.proceed || (code === this.F.noop && !this.noopShortcut)) {
      this.proceedAt = i + T.widths[code];
      this.proceedEnd = T.progStart[edge + 1];
      return PROCEED;
    }
    if (code === this.F.faultSignal) {
      this.signal = SIG_SEGV;
      return 0;
    }
    return T.prog[i + 1]; // syscall_error and noop carry their ret
  }
  private proceedAt = 0;
  private proceedEnd = 0;

  // ------------------------------------------------------------------------------------------
  // small helpers

  private frame(i: number, n: number): number {
    if (!(i >= 0 && i + n <= this.u.pfns)) throw new CommandError(`pfn range ${this.u.physBasePfn + i}+${n} is outside the universe's ${this.u.pfns} device frames`);
    return i;
  }
  private inVma(p: number, v: number): boolean {
    return v >= 0 && v < this.L.V && (vflags(this.L, this.s, p, v) & VF_IN_VMA) !== 0;
  }
  /** The first VMA start in [a, b), or -1. A VMA that starts before a but covers it counts. */
  private firstVma(p: number, a: number, b: number): number {
    for (let v = Math.max(a, 0); v < Math.min(b, this.L.V); v++) if (this.inVma(p, v)) return vmaStartOf(this.L, this.s, p, v);
    return -1;
  }
  private nextVma(p: number, from: number): number {
    for (let v = from; v < this.L.V; v++) if (this.inVma(p, v)) return v;
    return -1;
  }
  /** Lowest lineage id (the VM_PAT design's ghost owner) not named by any VMA or tree entry. */
  private newLineage(): number {
    for (let c = 1; c <= this.L.C; c++) if (!ownerInUse(this.L, this.s, c)) return c;
    throw new Error('no free lineage id (universe too small)');
  }
  private warn(bit: number): void {
    this.e.warn(WARN_KINDS.findIndex((k) => k.bit === bit));
  }
  /** The VMA machine's state for the VMA at (p, vs): the tracking its pages hold (owner 0: untracked). */
  private vmaState(p: number, vs: number): number {
    return ownerOf(this.L, this.s, p, vs) !== 0 ? VMA_STATE_CODES.tracked : VMA_STATE_CODES.untracked;
  }
  /** Take the VMA machine's edge for event ev of the VMA at (p, vs). */
  private vmaEdge(p: number, vs: number, ev: number): number {
    return takeEdge(this.T.vma, this.vmaState(p, vs), ev);
  }

  // ------------------------------------------------------------------------------------------
  // memtype core (arch/x86/mm/pat/memtype.c, reference §1)

  /** lookup_memtype(paddr) for one device frame: first overlapping entry's type, else UC- (§1.6). */
  private lookupMemtype(i: number): number {
    const n = treeCount(this.L, this.s);
    for (let k = 0; k < n; k++) if (tStart(this.L, this.s, k) <= i && tEnd(this.L, this.s, k) > i) return tType(this.L, this.s, k);
    return UC_MINUS;
  }

  /**
   * memtype_reserve + the caller's type check. caller 0: reserve_pfn_range (pfnmap_track,
   * track_pfn_remap, track_pfn_copy); caller 1: __ioremap_caller. Returns ret; the cache mode
   * the mapping gets is left in this.resMode.
   */
  private reserve(start: number, end: number, req: number, strict: boolean, caller: number, owner: number): number {
    const o = memtypeOverlap(this.L, this.s, start, end);
    const T = this.T.memtype;
    const F = this.F;
    const edge = takeEdge(T, 0, RESERVE_EVENT.at(req, +this.mtrrUc, o & 3, o >>> 2, +strict, caller));
    let ret = 0;
    for (let i = T.progStart[edge], end2 = T.progStart[edge + 1]; i < end2; i += T.widths[T.prog[i]]) {
      const c = T.prog[i];
      if (c === F.memtypeReserve)
        this.e.memtype_reserve(start, end, T.prog[i + F.mrReq], T.prog[i + F.mrNew], +strict, T.prog[i + F.mrRet], owner);
      else if (c === F.memtypeFreeReserved) this.free(start, end, owner);
      else if (c === F.reserveResult) {
        ret = T.prog[i + F.rrRet];
        this.resMode = T.prog[i + F.rrMode];
      }
    }
    if (ret !== 0) this.notes[NOTE_RESERVE_REFUSED]++;
    return ret;
  }

  /** memtype_free(start, end) (§1.5): exact match (preferring the owner's own entry), END match (old memtype_erase), or invalid. */
  private free(start: number, end: number, owner: number): void {
    const m = memtypeFreeMatch(this.L, this.s, start, end, owner);
    const T = this.T.memtype;
    const edge = takeEdge(T, 0, FREE_EVENT.at(+(matchExact(m) >= 0), +(matchEnd(m) >= 0)));
    this.emitFree(T, edge, start, end, matchExact(m), matchEnd(m));
  }

  /** The precise proposal: free [start, end) out of the owner's entry that contains it. */
  private freePart(start: number, end: number, owner: number): void {
    const k = ownerEntryContaining(this.L, this.s, start, end, owner);
    const T = this.T.memtype;
    this.emitFree(T, takeEdge(T, 0, FREE_PART_EVENT.at(+(k >= 0))), start, end, k, k);
  }

  /** The memtype_free event of a FREE / FREE_PART edge; the entry it matched names the owner. */
  private emitFree(T: CompiledMachine, edge: number, start: number, end: number, exact: number, other: number): void {
    const i = T.progStart[edge];
    const match = T.prog[i + this.F.mfMatch];
    const code = match === this.F.sExact ? MATCH_EXACT : match === this.F.sEnd ? MATCH_END : match === this.F.sPart ? MATCH_PART : MATCH_NONE;
    const k = code === MATCH_EXACT ? exact : code === MATCH_NONE ? -1 : other;
    this.e.memtype_free(start, end, T.prog[i + this.F.mfRet], code, k >= 0 ? tOwner(this.L, this.s, k) : undefined, k);
  }

  /** pfnmap_setup_cachemode (§1.7): every page must look up the same type; -EINVAL otherwise. */
  private setupCachemode(pfn: number, n: number): number {
    const m0 = this.lookupMemtype(pfn);
    let ret = 0;
    for (let j = 1; j < n; j++) if (this.lookupMemtype(pfn + j) !== m0) ret = -EINVAL;
    this.e.pfnmap_setup_cachemode(pfn, n, ret, m0);
    this.resMode = m0;
    return ret;
  }

  // ------------------------------------------------------------------------------------------
  // pfnmap_track_ctx kref

  /** The kref machine's edge for ctx c: its state is the kref byte (0 once released). */
  private krefEdge(c: number, ev: number): number {
    return takeEdge(this.T.kref, ctxPages(this.L, this.s, c) === 0 ? 0 : ctxKref(this.L, this.s, c), ev);
  }

  /** vma_pfnmap_track_ctx_dup: 0, or -ENOMEM when the kref reached REFCOUNT_MAX. */
  private ctxDup(c: number): number {
    const T = this.T.kref;
    const edge = this.krefEdge(c, KREF_DUP_EVENT.base);
    for (let i = T.progStart[edge], end = T.progStart[edge + 1]; i < end; i += T.widths[T.prog[i]]) {
      const code = T.prog[i];
      if (code === this.F.krefGet) this.e.kref_get(c, T.prog[i + this.F.krefValue]);
      else if (code === this.F.dupRefused) {
        this.notes[NOTE_DUP_REFUSED]++;
        return T.prog[i + this.F.dupRefusedRet];
      } else if (code === this.F.krefWarn) this.warn(WARN_REFCOUNT_UNDERFLOW);
    }
    return 0;
  }

  /** kref_put(&ctx->kref, pfnmap_track_ctx_release); the facts of the release, if it was the last. `freedPages`: the VMA being freed. */
  private ctxPut(c: number, freedPages: number): void {
    const T = this.T.kref;
    const F = this.F;
    const edge = this.krefEdge(c, KREF_PUT_EVENT.base);
    for (let i = T.progStart[edge], end = T.progStart[edge + 1]; i < end; i += T.widths[T.prog[i]]) {
      const code = T.prog[i];
      if (code === F.krefPut) this.e.kref_put(c, T.prog[i + F.krefPutValue]);
      else if (code === F.untrack) this.untrackOnRelease(c, T.prog[i + F.untrackRange], freedPages);
      else if (code === F.ctxFree) this.e.pfnmap_track_ctx_release(c);
      else if (code === F.krefWarn) this.warn(WARN_REFCOUNT_UNDERFLOW);
    }
  }

  /** pfnmap_untrack at release: of the ctx's range, of what is still reserved of it (precise), or of the freed VMA's size (a seeded bug). */
  private untrackOnRelease(c: number, range: number, freedPages: number): void {
    const L = this.L;
    if (range === this.F.sRemaining) {
      for (let i = 0; i < treeCount(L, this.s); ) {
        if (tOwner(L, this.s, i) !== c) {
          i++;
          continue;
        }
        const a = tStart(L, this.s, i);
        const b = tEnd(L, this.s, i);
        this.e.pfnmap_untrack(a, b - a);
        this.free(a, b, c);
      }
      return;
    }
    const pfn = ctxPfn(L, this.s, c);
    const n = range === this.F.sCtx ? ctxPages(L, this.s, c) : freedPages;
    this.e.pfnmap_untrack(pfn, n);
    this.free(pfn, pfn + n, c);
  }

  // ------------------------------------------------------------------------------------------
  // the VMA machine's hooks

  /**
   * Run the hooks of a VMA machine edge that untrack, clear or put (UNMAP, ZAP, MOVE_SOURCE,
   * COPY_FAILED, FREE, REMAP_FAILED) for the VMA [vs, ve) of p. `copiedPfn`: what a fork's
   * track_pfn_copy reserved (untrack_pfn_copy frees it); `remapPfn`: the range of a failing
   * remap_pfn_range (its explicit untrack_pfn). A put is deferred while `this.deferring`.
   */
  private runHooks(p: number, vs: number, ve: number, edge: number, owner: number, pgoff: number, copiedPfn = -1, remapPfn = -1): void {
    const T = this.T.vma;
    const F = this.F;
    for (let i = T.progStart[edge], end = T.progStart[edge + 1]; i < end; i += T.widths[T.prog[i]]) {
      const c = T.prog[i];
      if (c === F.untrackPfn) this.untrackWhole(p, vs);
      else if (c === F.untrackPfnClear) this.e.untrack_pfn_clear(p, vs, vmaEndOf(this.L, this.s, p, vs) - vs);
      else if (c === F.untrackPfnCopy) {
        if (copiedPfn >= 0) {
          this.e.untrack_pfn_copy(p, vs, copiedPfn, ve - vs);
          this.free(copiedPfn, copiedPfn + (ve - vs), ownerOf(this.L, this.s, p, vs));
        }
        this.e.vm_flags_clear(p, vs, ve - vs, FLAG_VM_PAT);
      } else if (c === F.untrackExplicit) {
        // untrack_pfn(vma, pfn, size): frees the range and clears VM_PAT
        this.e.untrack_pfn(p, vs, ve - vs, remapPfn, 0);
        this.free(remapPfn, remapPfn + (ve - vs), owner);
        this.e.vm_flags_clear(p, vs, ve - vs, FLAG_VM_PAT);
      } else if (c === F.ctxPut || c === F.untrackUncovered) {
        if (this.deferring) this.defer(c, owner, pgoff, ve - vs);
        else this.afterFree(c, owner, pgoff, ve - vs);
      }
    }
  }

  private defer(hook: number, c: number, pgoff: number, n: number): void {
    if (this.deferredCount * 4 + 4 > this.deferred.length) {
      const bigger = new Int32Array(this.deferred.length * 2);
      bigger.set(this.deferred);
      this.deferred = bigger;
    }
    const o = 4 * this.deferredCount++;
    this.deferred[o] = hook;
    this.deferred[o + 1] = c;
    this.deferred[o + 2] = pgoff;
    this.deferred[o + 3] = n;
  }

  /** A ctx_put or untrack_uncovered hook of a freed VMA [pgoff, +n) of ctx c. */
  private afterFree(hook: number, c: number, pgoff: number, n: number): void {
    if (hook === this.F.ctxPut) this.ctxPut(c, n);
    else if (ctxPages(this.L, this.s, c) !== 0) this.untrackUncovered(c, pgoff, pgoff + n);
  }

  /** precise: the frames of [a, b) no VMA of ctx c maps, untracked run by run. */
  private untrackUncovered(c: number, a: number, b: number): void {
    let f = a;
    while (f < b) {
      if (this.coveredBy(c, f)) {
        f++;
        continue;
      }
      let e = f + 1;
      while (e < b && !this.coveredBy(c, e)) e++;
      this.e.pfnmap_untrack(f, e - f);
      this.freePart(f, e, c);
      f = e;
    }
  }

  /** precise: some live VMA of ctx c maps frame f. */
  private coveredBy(c: number, f: number): boolean {
    const L = this.L;
    for (let p = 0; p < L.P; p++) {
      if (!isAlive(L, this.s, p)) continue;
      for (let v = 0; v < L.V; v++) if (ownerOf(L, this.s, p, v) === c && pgoffOf(L, this.s, p, v) === f) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // the VM_PAT design's untrack paths (reference §2.4-§2.6)

  /** get_pat_info / follow_phys on the first PTE of the VMA at vs: the patInfo machine's edge. */
  private patInfo(p: number, vs: number, needProt: boolean): number {
    const pte = pteOf(this.L, this.s, p, vs);
    const first = pte === 0 ? 2 : pte & PTE_ANON ? 1 : 0;
    const cow = (vflags(this.L, this.s, p, vs) & VF_SHARED) === 0;
    return takeEdge(this.T.patInfo, 0, GET_PAT_INFO_EVENT.at(first, +cow, +needProt));
  }

  /** untrack_pfn(vma, 0, 0): whole-VMA untrack from the first PTE and the current size. */
  private untrackWhole(p: number, vs: number): void {
    const L = this.L;
    const ve = vmaEndOf(L, this.s, p, vs);
    const n = ve - vs;
    const T = this.T.patInfo;
    const F = this.F;
    const i = T.progStart[this.patInfo(p, vs, false)];
    if (T.prog[i] === F.patInfoFailed) {
      if (T.prog[i + F.pifWarn]) this.warn(WARN_GET_PAT_INFO);
      this.e.untrack_pfn(p, vs, n, undefined, T.prog[i + F.pifRet]);
      return; // nothing freed, VM_PAT kept
    }
    const owner = ownerOf(L, this.s, p, vs);
    const source = T.prog[i + F.piSource];
    if (source === F.sAnon) {
      // the anon page's address is RAM: free_pfn_range does nothing (§2.9 B)
      this.e.untrack_pfn(p, vs, n, undefined, 0);
    } else {
      const pfn = source === F.sPte ? ptePfn(pteOf(L, this.s, p, vs)) : pgoffOf(L, this.s, p, vs);
      this.e.untrack_pfn(p, vs, n, pfn, 0);
      this.free(pfn, pfn + n, owner);
    }
    this.e.vm_flags_clear(p, vs, n, FLAG_VM_PAT);
  }

  // ------------------------------------------------------------------------------------------
  // VMA primitives

  /**
   * __split_vma at page `at` of the VMA containing it. newBelow: the new VMA (vm_area_dup) is
   * the lower piece [vm_start, at), else the upper piece [at, vm_end).
   */
  private split(p: number, at: number, newBelow: boolean): number {
    const vs = vmaStartOf(this.L, this.s, p, at);
    const ve = vmaEndOf(this.L, this.s, p, vs);
    const n0 = newBelow ? vs : at;
    const n1 = newBelow ? at : ve;
    if (this.splitCount++ === this.splitFailAt) {
      // vm_area_dup's allocation fails: __split_vma returns -ENOMEM, nothing changes
      this.e.vm_area_dup(p, n0, n1 - n0, DUP_SPLIT, p, n0, -ENOMEM);
      return -ENOMEM;
    }
    const edge = this.vmaEdge(p, vs, V_DUP_SPLIT);
    const ret = this.dupHooks(edge, ownerOf(this.L, this.s, p, vs));
    this.e.vm_area_dup(p, n0, n1 - n0, DUP_SPLIT, p, n0, ret);
    if (ret === 0 && emits(this.T.vma, edge, this.F.clearNew)) this.e.untrack_pfn_clear(p, n0, n1 - n0);
    return ret;
  }

  /** The ctx_dup hook of a DUP edge (the kref machine's answer), 0 when the edge has none. */
  private dupHooks(edge: number, owner: number): number {
    return emits(this.T.vma, edge, this.F.ctxDup) ? this.ctxDup(owner) : 0;
  }

  /** Splits needed so that [a, b) is made of whole VMAs (the start split, then the end split). */
  private splitEdges(p: number, a: number, b: number): number {
    if (this.needsSplit(p, a)) {
      const r = this.split(p, a, true);
      if (r) return r;
    }
    if (this.needsSplit(p, b)) {
      const r = this.split(p, b, false);
      if (r) return r;
    }
    return 0;
  }
  private needsSplit(p: number, at: number): boolean {
    return at > 0 && at < this.L.V && this.inVma(p, at) && (vflags(this.L, this.s, p, at) & VF_START) === 0;
  }

  /** Splits splitEdges would need (to aim an injected split failure at the last one). */
  private countSplits(p: number, a: number, b: number): number {
    return +this.needsSplit(p, a) + +this.needsSplit(p, b);
  }

  /**
   * unmap_vmas + free_pgtables + remove_vma for the whole VMAs that start in [a, b), ascending.
   * VM_PAT: untrack_pfn (the UNMAP hook) runs inside unmap_single_vma before each VMA's PTEs
   * are zapped; ctx: kref_put runs in vm_area_free after every zap (kernel-facts Q5, Q8).
   */
  private teardown(p: number, a: number, b: number): void {
    const L = this.L;
    const lo = Math.max(a, 0);
    const hi = Math.min(b, L.V);
    for (let v = lo; v < hi; v++) {
      if ((vflags(L, this.s, p, v) & (VF_IN_VMA | VF_START)) !== (VF_IN_VMA | VF_START)) continue;
      const ve = vmaEndOf(L, this.s, p, v);
      this.runHooks(p, v, ve, this.vmaEdge(p, v, V_UNMAP), ownerOf(L, this.s, p, v), pgoffOf(L, this.s, p, v));
      this.zapPtes(p, v, ve);
      v = ve - 1;
    }
    // every VMA still starts where it did: the hooks above change no boundary
    for (let v = lo; v < hi; v++) {
      if ((vflags(L, this.s, p, v) & (VF_IN_VMA | VF_START)) !== (VF_IN_VMA | VF_START)) continue;
      const ve = vmaEndOf(L, this.s, p, v);
      this.vmFree(p, v, ve);
      v = ve - 1;
    }
  }

  private zapPtes(p: number, v0: number, v1: number): void {
    // zap only what is present, one zap_pte_range per run of present PTEs
    let v = v0;
    while (v < v1) {
      if (pteOf(this.L, this.s, p, v) === 0) {
        v++;
        continue;
      }
      let e = v + 1;
      while (e < v1 && pteOf(this.L, this.s, p, e) !== 0) e++;
      this.e.zap_pte_range(p, v, e - v);
      v = e;
    }
  }

  /** vm_area_free of [vs, ve): the FREE hooks of its VMA machine (ctx: the kref_put). */
  private vmFree(p: number, vs: number, ve: number): void {
    const owner = ownerOf(this.L, this.s, p, vs);
    const pg = pgoffOf(this.L, this.s, p, vs);
    const edge = this.vmaEdge(p, vs, V_FREE);
    this.e.vm_area_free(p, vs, ve - vs);
    this.runHooks(p, vs, ve, edge, owner, pg);
  }

  /** do_vmi_munmap of [a, b) (pages, clipped): splits, then teardown. */
  private unmapRange(p: number, a: number, b: number): number {
    a = Math.max(a, 0);
    b = Math.min(b, this.L.V);
    if (a >= b || this.firstVma(p, a, b) < 0) return 0;
    const r = this.splitEdges(p, a, b);
    if (r) return r;
    this.teardown(p, a, b);
    return 0;
  }

  /** zap_page_range_single over [a, b) of the VMA at vs (VM_PAT: untracks the whole VMA first, bug F). */
  private zapRange(p: number, vs: number, a: number, b: number): void {
    this.runHooks(p, vs, vmaEndOf(this.L, this.s, p, vs), this.vmaEdge(p, vs, V_ZAP), ownerOf(this.L, this.s, p, vs), pgoffOf(this.L, this.s, p, vs));
    this.zapPtes(p, a, b);
  }

  // ------------------------------------------------------------------------------------------
  // remap_pfn_range (reference §2.3, §3.3; kernel-facts Q1)

  private remapPfnRange(p: number, v0: number, v1: number, pfn: number, req: number, fault: number): number {
    const L = this.L;
    const F = this.F;
    const vs = vmaStartOf(L, this.s, p, v0);
    const ve = vmaEndOf(L, this.s, p, vs);
    const n = v1 - v0;
    const whole = v0 === vs && v1 === ve;
    this.e.remap_pfn_range(p, v0, pfn, n, req, +whole);
    let mode = req;
    let ctx = 0;
    const T = this.T.vma;
    const edge = this.vmaEdge(p, vs, whole ? V_REMAP_WHOLE : V_REMAP_PARTIAL);
    for (let i = T.progStart[edge], end = T.progStart[edge + 1]; i < end; i += T.widths[T.prog[i]]) {
      const c = T.prog[i];
      if (c === F.allocCtx) {
        // pfnmap_track first, then kmalloc (kernel-facts Q1)
        const id = freeCtxId(L, this.s);
        this.e.pfnmap_track(pfn, n, req);
        if (this.reserve(pfn, pfn + n, req, false, 0, id) !== 0) return this.remapDone(p, v0, -EINVAL);
        if (fault === FAULT_CTX_ALLOC) {
          this.e.pfnmap_untrack(pfn, n);
          this.free(pfn, pfn + n, id);
          return this.remapDone(p, v0, -ENOMEM);
        }
        this.e.pfnmap_track_ctx_alloc(id, pfn, n);
        ctx = id;
        mode = this.resMode;
      } else if (c === F.remapRefused) return this.remapDone(p, v0, T.prog[i + F.remapRefusedRet]);
      else if (c === F.trackPfnRemap) {
        const lineage = ownerOf(L, this.s, p, vs) || this.newLineage();
        const r = this.reserve(pfn, pfn + n, req, false, 0, lineage);
        this.e.track_pfn_remap(p, v0, pfn, n, r === 0 ? 0 : -EINVAL);
        if (r !== 0) return this.remapDone(p, v0, -EINVAL);
        mode = this.resMode;
        this.e.vm_flags_set(p, vs, ve - vs, FLAG_VM_PAT, lineage);
      } else if (c === F.setupCachemode) {
        if (this.setupCachemode(pfn, n) !== 0) return this.remapDone(p, v0, -EINVAL);
        mode = this.resMode;
      }
    }
    // remap_pfn_range_notrack → remap_pfn_range_internal
    let err = 0;
    const flags = vflags(L, this.s, p, vs);
    if ((flags & VF_SHARED) === 0 && !whole) err = -EINVAL; // a COW mapping must be remapped whole
    else {
      if ((flags & VF_PFNMAP) === 0) this.e.vm_flags_set(p, vs, ve - vs, VF_PFNMAP);
      const filled = fault === FAULT_REMAP_FILL_FIRST ? 0 : fault === FAULT_REMAP_FILL_LATER ? 1 : n;
      let present = false;
      for (let v = v0; v < v0 + filled; v++) if (pteOf(L, this.s, p, v) !== 0) present = true;
      if (present) {
        // remap_pte_range: BUG_ON(!pte_none(*pte)). The kernel oopses; the model records the
        // BUG (invariant no-warn, which stops the search) and, to stay total, fails the call
        // with -EFAULT without touching the page tables: what follows is outside anything
        // the kernel guarantees (docs/model.md).
        this.warn(WARN_BUG_REMAP_PTE);
        err = -EFAULT;
      } else if (filled > 0) this.e.set_pte_range(p, v0, pfn, filled, mode);
      if (!present && filled < n) {
        err = -ENOMEM;
        if (emits(T, this.vmaEdge(p, vs, V_FILL_FAILED), F.zapPartial)) this.zapRange(p, vs, v0, v1);
      }
    }
    if (err !== 0) {
      if (ctx) this.ctxPut(ctx, ve - vs); // kref_put: 1 → 0 releases and untracks
      // remap_pfn_range's own error path (VM_PAT: untrack_pfn unless the zap already did)
      this.runHooks(p, vs, ve, this.vmaEdge(p, vs, V_REMAP_FAILED), ownerOf(L, this.s, p, vs), pgoffOf(L, this.s, p, vs), -1, pfn);
      return this.remapDone(p, v0, err);
    }
    if (ctx && emits(T, this.vmaEdge(p, vs, V_ATTACH), F.attachCtx)) this.e.pfnmap_track_ctx_attach(p, vs, ve - vs, ctx);
    return this.remapDone(p, v0, 0);
  }
  private remapDone(p: number, v0: number, ret: number): number {
    this.e.remap_pfn_range_done(p, v0, ret);
    return ret;
  }

  // ------------------------------------------------------------------------------------------
  // syscalls

  /** mmap of /dev/mem (mmap_mem) or of a driver (reference §1.9, §4; kernel-facts Q9). */
  private mmap(p: number, d: Decoded): number {
    const L = this.L;
    const n = d.n;
    if (d.fixed && !d.unaligned && (d.a < 0 || d.a + n > L.V)) throw new CommandError(`MAP_FIXED range at ${(d.cmd as { fixedAddr: number }).fixedAddr} is outside the universe's ${L.V} pages`);
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const v = d.fixed ? d.a : topDownGap((this.given ?? this.masks).of(p, M_MAPPED), L.V, n);
    const pfn = this.frame(d.frame, n);
    this.deferredCount = 0;
    this.deferring = false;
    if (d.fixed) {
      const S = this.T.syscall;
      // v6.1 mmap_region: do_munmap first; __mmap_region: the replaced VMAs are zapped and
      // detached now, their vm_area_free hooks (kref_put) run after the new mapping
      this.deferring = S.prog[this.proceedAt + this.F.mmapFixedReplaced] === this.F.sDetach;
      const r = this.unmapRange(p, v, v + n);
      this.deferring = false;
      if (r) return r;
    }
    const flags = (d.shared ? VF_SHARED : VF_WRITE) | VF_READ | (d.file !== FILE_DEVMEM ? VF_DRIVER : 0);
    this.e.mmap_region(p, v, n, pfn, +d.shared, +(d.file !== FILE_DEVMEM), flags & VF_WRITE ? PROT_RW : PROT_R);
    // the file's mmap hook
    let ret = 0;
    if (d.file === FILE_DEVMEM) {
      // mmap_mem: remap_pfn_range over the whole VMA; any failure is -EAGAIN
      if (this.remapPfnRange(p, v, v + n, pfn, d.mode, d.fault) !== 0) ret = -EAGAIN;
    } else if (d.file === FILE_DRIVER_PARTIAL) {
      // A driver that maps its BAR piecewise (untracked remaps, vmf_insert_pfn) relies on the
      // reservation it made at probe (io_mapping / ioremap_wc, reference §3.6); it refuses a
      // range outside it.
      ret = this.coveredByIoremap(pfn, n) ? this.remapPfnRange(p, v, v + d.remapPages, pfn, d.mode, d.fault) : -EINVAL;
    } else {
      ret = this.remapPfnRange(p, v, v + n, pfn, d.mode, d.fault);
      if (ret === 0 && d.file === FILE_DRIVER_TWICE) ret = this.remapPfnRange(p, v, v + n, pfn, d.mode, 0);
    }
    // mmap_region's error path: unmap_region (zap, VM_PAT untrack) then vm_area_free
    if (ret !== 0) this.teardown(p, v, v + 1);
    const q = this.deferred;
    for (let i = 0; i < 4 * this.deferredCount; i += 4) this.afterFree(q[i], q[i + 1], q[i + 2], q[i + 3]);
    this.deferredCount = 0;
    return ret !== 0 ? ret : addrOf(this.u, v);
  }

  private munmap(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    if (d.fault === FAULT_SPLIT) this.splitFailAt = this.countSplits(p, d.a, d.a + d.n) - 1;
    return this.unmapRange(p, d.a, d.a + d.n);
  }

  /** do_mprotect_pkey (kernel-facts Q6). */
  private mprotect(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const a = d.a;
    const b = a + d.n;
    const protBits = d.protBits;
    if (d.fault === FAULT_SPLIT) this.splitFailAt = this.countMprotectSplits(p, a, b, protBits) - 1;
    let tmp = a;
    let vs = this.firstVma(p, a, b);
    while (vs >= 0 && vs < Math.min(b, this.L.V)) {
      if (vs > tmp) return -ENOMEM; // a hole in the middle: earlier VMAs stay changed
      const ve = vmaEndOf(this.L, this.s, p, vs);
      const flags = vflags(this.L, this.s, p, vs);
      // MAP_SHARED of the O_RDONLY /dev/mem fd has no VM_MAYWRITE: PROT_WRITE → EACCES
      if (protBits & VF_WRITE && flags & VF_SHARED) return -EACCES;
      const pa = Math.max(a, vs);
      const pb = Math.min(b, ve);
      if ((flags & (VF_READ | VF_WRITE)) !== protBits) {
        const r = this.splitEdges(p, pa, pb);
        if (r) return r;
        const set = protBits & ~flags;
        const clear = flags & (VF_READ | VF_WRITE) & ~protBits;
        if (set) this.e.vm_flags_set(p, pa, pb - pa, set);
        if (clear) this.e.vm_flags_clear(p, pa, pb - pa, clear);
      }
      tmp = pb;
      vs = pb < this.L.V && this.inVma(p, pb) ? pb : this.nextVma(p, pb);
    }
    return tmp < b ? -ENOMEM : 0;
  }
  private countMprotectSplits(p: number, a: number, b: number, protBits: number): number {
    let c = 0;
    for (let vs = this.firstVma(p, a, b); vs >= 0 && vs < Math.min(b, this.L.V); ) {
      const ve = vmaEndOf(this.L, this.s, p, vs);
      if ((vflags(this.L, this.s, p, vs) & (VF_READ | VF_WRITE)) !== protBits) c += this.countSplits(p, Math.max(a, vs), Math.min(b, ve));
      vs = this.nextVma(p, ve);
    }
    return c;
  }

  /** do_madvise on VM_PFNMAP VMAs (kernel-facts Q7): only MADV_DONTFORK gets here (syscallMachine refuses the rest). */
  private madvise(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const a = d.a;
    const b = a + d.n;
    let unmapped = 0;
    let tmp = a;
    let vs = this.firstVma(p, a, b);
    if (d.fault === FAULT_SPLIT) {
      let c = 0;
      for (let w = vs; w >= 0 && w < Math.min(b, this.L.V); w = this.nextVma(p, vmaEndOf(this.L, this.s, p, w)))
        if ((vflags(this.L, this.s, p, w) & VF_DONTCOPY) === 0) c += this.countSplits(p, Math.max(a, w), Math.min(b, vmaEndOf(this.L, this.s, p, w)));
      this.splitFailAt = c - 1;
    }
    while (vs >= 0 && vs < Math.min(b, this.L.V)) {
      if (vs > tmp) unmapped = -ENOMEM; // a hole: remembered, the walk goes on
      const ve = vmaEndOf(this.L, this.s, p, vs);
      const pa = Math.max(a, vs);
      const pb = Math.min(b, ve);
      if ((vflags(this.L, this.s, p, vs) & VF_DONTCOPY) === 0) {
        const r = this.splitEdges(p, pa, pb);
        if (r) return r === -ENOMEM ? -EAGAIN : r; // madvise_update_vma turns ENOMEM into EAGAIN
        this.e.vm_flags_set(p, pa, pb - pa, VF_DONTCOPY);
      }
      tmp = pb;
      vs = this.nextVma(p, pb);
    }
    if (tmp < Math.min(b, this.L.V) || b > this.L.V) unmapped = -ENOMEM;
    return unmapped;
  }

  /** mremap (kernel-facts Q4); the order of a move's steps is the syscall machine's, per era. */
  private mremap(p: number, d: Decoded): number {
    const L = this.L;
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const a = d.a;
    const oldN = d.n;
    const newN = d.newN;
    if (!d.mremapFixed) {
      if (oldN === newN) return addrOf(this.u, a);
      if (oldN > newN) {
        const r = this.unmapRange(p, a + newN, a + oldN);
        return r ? r : addrOf(this.u, a);
      }
      const r = this.resizeCheck(p, this.vmaLookup(p, a), oldN, a, newN, d.dontunmap);
      if (r) return r;
      throw new CommandError('mremap growth of a non-PFNMAP VMA is not modelled');
    }
    const nv = d.newA;
    if (nv < 0 || nv + newN > L.V) throw new CommandError(`MREMAP_FIXED target ${(d.cmd as { newAddr?: number }).newAddr ?? 0} is outside the universe's ${L.V} pages`);
    const S = this.T.syscall;
    if (this.proceedAt < this.proceedEnd && S.prog[this.proceedAt + this.F.stepName] === this.F.sRemapMove)
      return this.remapMove(p, a, oldN, nv, d.dontunmap, this.proceedAt + S.widths[S.prog[this.proceedAt]]);
    return this.mremapSteps(p, a, oldN, newN, nv, d.dontunmap, this.proceedAt);
  }

  /**
   * The steps of an MREMAP_FIXED move of [a, a + oldN) to nv, newN pages, from program slot
   * `from` of the syscall machine's edge to its end: its address, or an error.
   */
  private mremapSteps(p: number, a: number, oldN: number, newN: number, nv: number, dontunmap: boolean, from: number): number {
    let len = oldN;
    const S = this.T.syscall;
    const F = this.F;
    for (let i = from; i < this.proceedEnd; i += S.widths[S.prog[i]]) {
      const step = S.prog[i + F.stepName];
      let r = 0;
      if (step === F.sResizeCheckEarly) r = this.resizeCheck(p, this.vmaLookup(p, a), newN < oldN ? newN : oldN, a, newN, dontunmap);
      else if (step === F.sUnmapDestination) r = this.unmapRange(p, nv, nv + newN);
      else if (step === F.sUnmapTail) {
        if (oldN > newN) {
          r = this.unmapRange(p, a + newN, a + oldN);
          len = newN;
        }
      } else if (step === F.sVmaLookup) r = this.vmaLookup(p, a) < 0 ? -EFAULT : 0;
      else if (step === F.sResizeCheck) r = this.resizeCheck(p, this.vmaLookup(p, a), len, a, newN, dontunmap);
      else if (step === F.sMove) return this.moveVma(p, a, len, nv);
      if (r) return r;
    }
    return addrOf(this.u, a);
  }

  /**
   * v6.17 remap_move: every VMA of [a, a + n) in ascending order, each moved on its own by the
   * steps from program slot `from` (check_prep_vma, the destination's do_munmap, the lookup,
   * move_vma) to the target plus the gap it had after the previous one; the result is where
   * the first went. A hole at the start of the range was EFAULT (the syscall machine); the
   * range may end in a hole.
   */
  private remapMove(p: number, a: number, n: number, nv: number, dontunmap: boolean, from: number): number {
    let res = -EFAULT;
    let target = nv;
    let lastEnd = -1;
    for (let vs = this.firstVma(p, a, a + n); vs >= 0; vs = this.firstVma(p, lastEnd, a + n)) {
      const ve = vmaEndOf(this.L, this.s, p, vs);
      const addr = Math.max(vs, a);
      const len = Math.min(a + n, ve) - addr;
      const to = target + (lastEnd < 0 ? 0 : vs - lastEnd);
      lastEnd = ve;
      const r = this.mremapSteps(p, addr, len, len, to, dontunmap, from);
      if (r < 0) return r;
      if (res < 0) res = r;
      target = to + len;
    }
    return res;
  }

  /** vma_lookup: the start of the VMA that holds page a of address space p, or -1. */
  private vmaLookup(p: number, a: number): number {
    return a >= 0 && a < this.L.V && this.inVma(p, a) ? vmaStartOf(this.L, this.s, p, a) : -1;
  }

  /** mremap's remap_is_valid / vma_to_resize for the VMA at vs, old address a, len pages kept. */
  private resizeCheck(p: number, vs: number, len: number, a: number, newN: number, dontunmap: boolean): number {
    const flags = vflags(this.L, this.s, p, vs);
    if (dontunmap && flags & VF_PFNMAP) return -EINVAL;
    if (len > vmaEndOf(this.L, this.s, p, vs) - a) return -EFAULT;
    if (newN > len && flags & VF_PFNMAP) return -EFAULT; // VM_DONTEXPAND | VM_PFNMAP cannot grow
    return 0;
  }

  /** move_vma: copy_vma (vm_area_dup), move_page_tables, the source's MOVE_SOURCE hooks, munmap of the source. */
  private moveVma(p: number, a: number, n: number, nv: number): number {
    const vs = vmaStartOf(this.L, this.s, p, a);
    const edge = this.vmaEdge(p, vs, V_DUP_MREMAP);
    const ret = this.dupHooks(edge, ownerOf(this.L, this.s, p, vs));
    this.e.vm_area_dup(p, a, n, DUP_MREMAP, p, nv, ret);
    if (ret) return ret;
    if (emits(this.T.vma, edge, this.F.clearNew)) this.e.untrack_pfn_clear(p, nv, n);
    this.e.move_page_tables(p, a, nv, n);
    this.runHooks(p, vs, vmaEndOf(this.L, this.s, p, vs), this.vmaEdge(p, vs, V_MOVE_SOURCE), ownerOf(this.L, this.s, p, vs), pgoffOf(this.L, this.s, p, vs));
    this.unmapRange(p, a, a + n);
    return addrOf(this.u, nv);
  }

  /** fork: copy_process → dup_mmap (kernel-facts Q3); any failure is -ENOMEM (copy_mm). */
  private fork(p: number, d: Decoded): number {
    const L = this.L;
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const child = freeProc(L, this.s);
    this.e.copy_process(p, child);
    const F = this.F;
    let failedAt = -1;
    let index = 0;
    for (let vs = this.nextVma(p, 0); vs >= 0; vs = this.nextVma(p, vmaEndOf(L, this.s, p, vs))) {
      const ve = vmaEndOf(L, this.s, p, vs);
      if (vflags(L, this.s, p, vs) & VF_DONTCOPY) continue;
      const thisIndex = index++;
      // vm_area_dup
      const edge = this.vmaEdge(p, vs, V_DUP_FORK);
      const dupRet = this.dupHooks(edge, ownerOf(L, this.s, p, vs));
      this.e.vm_area_dup(p, vs, ve - vs, DUP_FORK, child, vs, dupRet);
      if (dupRet) {
        failedAt = vs; // tmp never linked
        break;
      }
      if (emits(this.T.vma, edge, F.clearNew)) this.e.untrack_pfn_clear(child, vs, ve - vs);
      // copy_page_range: the VM_PAT design's track_pfn_copy first
      let copiedPfn = -1;
      if (emits(this.T.vma, edge, F.trackPfnCopySrc) || emits(this.T.vma, edge, F.trackPfnCopyDst)) {
        const r = this.trackPfnCopy(p, vs, ve, child, d.fault === FAULT_TRACK_PFN_COPY && d.faultVma === thisIndex);
        if (r < 0) {
          this.e.copy_page_range(p, vs, ve - vs, child, r);
          failedAt = ve;
          break;
        }
        copiedPfn = r === NO_RESERVATION ? -1 : r;
      }
      if (d.fault === FAULT_COPY_PAGE_RANGE && d.faultVma === thisIndex) {
        this.e.copy_page_range(p, vs, ve - vs, child, -ENOMEM);
        this.runHooks(child, vs, ve, this.vmaEdge(child, vs, V_COPY_FAILED), ownerOf(L, this.s, child, vs), pgoffOf(L, this.s, child, vs), copiedPfn);
        failedAt = ve;
        break;
      }
      this.e.copy_page_range(p, vs, ve - vs, child, 0);
    }
    if (failedAt >= 0) {
      // the child mm is torn down: every child VMA linked so far (exit_mmap)
      this.teardown(child, 0, failedAt);
      this.e.mmput(child);
      return -ENOMEM;
    }
    return child + 1;
  }

  /**
   * The VM_PAT design's track_pfn_copy: get_pat_info(src, with prot), then a strict reservation
   * of the source's size for the child; on success VM_PAT on the child with a new lineage.
   * Returns the pfn reserved (untrack_pfn_copy needs it) or an error.
   */
  private trackPfnCopy(p: number, vs: number, ve: number, child: number, injectFail: boolean): number {
    const T = this.T.patInfo;
    const F = this.F;
    const i = T.progStart[this.patInfo(p, vs, true)];
    if (T.prog[i] === F.patInfoFailed) {
      if (T.prog[i + F.pifWarn]) this.warn(WARN_GET_PAT_INFO);
      const ret = T.prog[i + F.pifRet];
      this.e.track_pfn_copy(p, vs, child, ret);
      return ret;
    }
    if (T.prog[i + F.piSource] === F.sAnon) {
      // RAM: reserve_pfn_range makes no reservation (§1.7); the child keeps VM_PAT as copied,
      // and a later untrack_pfn_copy frees RAM, a no-op (NO_RESERVATION)
      this.e.track_pfn_copy(p, vs, child, 0);
      return NO_RESERVATION;
    }
    if (injectFail) {
      this.e.track_pfn_copy(p, vs, child, -ENOMEM); // memtype_reserve's allocation fails
      return -ENOMEM;
    }
    const pte = pteOf(this.L, this.s, p, vs);
    const pfn = ptePfn(pte);
    const lineage = this.newLineage();
    const r = this.reserve(pfn, pfn + (ve - vs), pteMode(pte), true, 0, lineage);
    this.e.track_pfn_copy(p, vs, child, r);
    if (r !== 0) return r;
    this.e.vm_flags_set(child, vs, ve - vs, FLAG_VM_PAT, lineage);
    return pfn;
  }

  /** do_exit → exit_mm → mmput → exit_mmap (kernel-facts Q8). */
  private exit(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    this.teardown(p, 0, this.L.V);
    this.e.mmput(p);
    return 0;
  }

  /** A write fault: do_wp_page → wp_page_copy on a COW PFNMAP VMA (kernel-facts Q11). */
  private writeFault(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const v = d.a;
    const flags = vflags(this.L, this.s, p, v);
    if ((flags & VF_WRITE) === 0) return this.fault(SIG_SEGV);
    const pte = pteOf(this.L, this.s, p, v);
    if (pte === 0) return this.fault(SIG_BUS); // /dev/mem has no fault handler
    if (flags & VF_SHARED || pte & PTE_ANON) return 0;
    this.e.wp_page_copy(p, v);
    return 0;
  }
  private fault(sig: number): number {
    this.signal = sig;
    return 0;
  }

  /** A driver's fault handler: vmf_insert_pfn with pfnmap_setup_cachemode_pfn (lookup only, §3.6). */
  private vmfInsertPfn(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const v = d.a;
    const flags = vflags(this.L, this.s, p, v);
    if ((flags & VF_DRIVER) === 0 || (flags & VF_PFNMAP) === 0) return this.fault(SIG_BUS);
    if (pteOf(this.L, this.s, p, v) !== 0) return 0;
    const pfn = pgoffOf(this.L, this.s, p, v);
    if (!this.coveredByIoremap(pfn, 1)) return this.fault(SIG_BUS);
    const mode = this.lookupMemtype(pfn);
    this.e.pfnmap_setup_cachemode(pfn, 1, 0, mode);
    this.e.set_pte_range(p, v, pfn, 1, mode);
    return 0;
  }

  /** zap_vma_ptes: only inside one VM_PFNMAP VMA, else nothing (void in the kernel). */
  private zapVmaPtes(p: number, d: Decoded): number {
    const r0 = this.check(d, p);
    if (r0 !== PROCEED) return r0;
    const a = d.a;
    const b = a + d.n;
    if (d.unaligned || a < 0 || b > this.L.V || a >= b || !this.inVma(p, a)) return 0;
    const vs = vmaStartOf(this.L, this.s, p, a);
    if (b > vmaEndOf(this.L, this.s, p, vs) || (vflags(this.L, this.s, p, vs) & VF_PFNMAP) === 0) return 0;
    this.zapRange(p, vs, a, b);
    return 0;
  }

  /** The user VMAs of every live address space that map frames [i0, i1) of /dev/mem (driver: false) or of a driver (true): zapped. */
  private zapMappingsOf(i0: number, i1: number, driver: boolean): void {
    const L = this.L;
    for (let p = 0; p < L.P; p++) {
      if (!isAlive(L, this.s, p)) continue;
      for (let vs = this.nextVma(p, 0); vs >= 0; vs = this.nextVma(p, vmaEndOf(L, this.s, p, vs))) {
        const ve = vmaEndOf(L, this.s, p, vs);
        if (((vflags(L, this.s, p, vs) & VF_DRIVER) !== 0) !== driver) continue;
        const pg = pgoffOf(L, this.s, p, vs);
        const a = Math.max(vs, vs + (i0 - pg));
        const b = Math.min(ve, vs + (i1 - pg));
        if (a < b) this.zapRange(p, vs, a, b);
      }
    }
  }

  /** unmap_mapping_range over /dev/mem's iomem mapping: every /dev/mem VMA mapping the range. */
  private unmapMappingRange(d: Decoded): number {
    const i0 = this.frame(d.frame, d.n);
    this.zapMappingsOf(i0, i0 + d.n, false);
    return 0;
  }

  /** memremap_pages → pagemap_range → pfnmap_track(pfn, size, PAGE_KERNEL) (§3.6). */
  private memremapPages(d: Decoded): number {
    const i = this.frame(d.frame, d.n);
    const k = freeKernelSlot(this.L, this.s);
    if (k < 0) return -ENOMEM;
    this.e.pfnmap_track(i, d.n, WB);
    const r = this.reserve(i, i + d.n, WB, false, 0, OWNER_KERNEL + k);
    if (r !== 0) return r;
    this.e.memremap_pages(k + 1, i, d.n, this.resMode);
    return 0;
  }

  /** ioremap_* → __ioremap_caller: memtype_reserve, refused when !is_new_memtype_allowed (§1.8). */
  private ioremap(d: Decoded): number {
    const i = this.frame(d.frame, d.n);
    const k = freeKernelSlot(this.L, this.s);
    if (k < 0) return -ENOMEM;
    const r = this.reserve(i, i + d.n, d.mode, false, 1, OWNER_KERNEL + k);
    if (r !== 0) return r;
    this.e.ioremap(k + 1, i, d.n, this.resMode);
    return k + 1;
  }

  /** Is every frame of [i, i+n) inside a live ioremap (a driver's BAR reservation)? */
  private coveredByIoremap(i: number, n: number): boolean {
    for (let f = i; f < i + n; f++) {
      let ok = false;
      for (let k = 0; k < this.L.K && !ok; k++)
        ok = kKind(this.L, this.s, k) === KERNEL_IOREMAP && kPfn(this.L, this.s, k) <= f && f < kPfn(this.L, this.s, k) + kPages(this.L, this.s, k);
      if (!ok) return false;
    }
    return true;
  }

  /** memunmap_pages (pfnmap_untrack) / iounmap (memtype_free). */
  private kernelUnmap(kind: number, handle: number): number {
    const k = handle - 1;
    if (k < 0 || k >= this.L.K || kKind(this.L, this.s, k) !== kind) return -EINVAL;
    const pfn = kPfn(this.L, this.s, k);
    const n = kPages(this.L, this.s, k);
    // driver unbind: unmap_mapping_range over the driver's user mappings, then iounmap
    if (kind === KERNEL_IOREMAP) this.zapMappingsOf(pfn, pfn + n, true);
    if (kind === KERNEL_MEMREMAP) this.e.pfnmap_untrack(pfn, n);
    this.free(pfn, pfn + n, OWNER_KERNEL + k);
    if (kind === KERNEL_MEMREMAP) this.e.memunmap_pages(handle);
    else this.e.iounmap(handle);
    return 0;
  }
}


const popcount = (x: number): number => {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
};

/** The fact codes, payload offsets and string codes the decider reads, looked up by name in the compiled tables. */
interface FactCodes {
  readonly proceed: number;
  readonly noop: number;
  readonly faultSignal: number;
  readonly mmapFixedReplaced: number;
  readonly stepName: number;
  readonly memtypeReserve: number;
  readonly mrReq: number;
  readonly mrNew: number;
  readonly mrRet: number;
  readonly memtypeFreeReserved: number;
  readonly reserveResult: number;
  readonly rrRet: number;
  readonly rrMode: number;
  readonly mfMatch: number;
  readonly mfRet: number;
  readonly krefGet: number;
  readonly krefValue: number;
  readonly krefPut: number;
  readonly krefPutValue: number;
  readonly dupRefused: number;
  readonly dupRefusedRet: number;
  readonly untrack: number;
  readonly untrackRange: number;
  readonly ctxFree: number;
  readonly krefWarn: number;
  readonly allocCtx: number;
  readonly attachCtx: number;
  readonly trackPfnRemap: number;
  readonly remapRefused: number;
  readonly remapRefusedRet: number;
  readonly setupCachemode: number;
  readonly zapPartial: number;
  readonly untrackExplicit: number;
  readonly ctxDup: number;
  readonly clearNew: number;
  readonly trackPfnCopySrc: number;
  readonly trackPfnCopyDst: number;
  readonly untrackPfn: number;
  readonly untrackPfnClear: number;
  readonly untrackPfnCopy: number;
  readonly ctxPut: number;
  readonly untrackUncovered: number;
  readonly patInfoFailed: number;
  readonly pifRet: number;
  readonly pifWarn: number;
  readonly piSource: number;
  readonly sExact: number;
  readonly sEnd: number;
  readonly sPart: number;
  readonly sCtx: number;
  readonly sRemaining: number;
  readonly sPte: number;
  readonly sAnon: number;
  readonly sDetach: number;
  readonly sRemapMove: number;
  readonly sResizeCheckEarly: number;
  readonly sUnmapDestination: number;
  readonly sUnmapTail: number;
  readonly sVmaLookup: number;
  readonly sResizeCheck: number;
  readonly sMove: number;
}

const factCodesOf = (T: Tables): FactCodes => ({
  proceed: factCode(T.syscall, 'proceed'),
  noop: factCode(T.syscall, 'noop'),
  faultSignal: factCode(T.syscall, 'fault_signal'),
  mmapFixedReplaced: payloadAt(T.syscall, 'mmap_fixed', 'replaced'),
  stepName: payloadAt(T.syscall, 'mremap_step', 'step'),
  memtypeReserve: factCode(T.memtype, 'memtype_reserve'),
  mrReq: payloadAt(T.memtype, 'memtype_reserve', 'reqType'),
  mrNew: payloadAt(T.memtype, 'memtype_reserve', 'newType'),
  mrRet: payloadAt(T.memtype, 'memtype_reserve', 'ret'),
  memtypeFreeReserved: factCode(T.memtype, 'memtype_free_reserved'),
  reserveResult: factCode(T.memtype, 'reserve_result'),
  rrRet: payloadAt(T.memtype, 'reserve_result', 'ret'),
  rrMode: payloadAt(T.memtype, 'reserve_result', 'cacheMode'),
  mfMatch: payloadAt(T.memtype, 'memtype_free', 'match'),
  mfRet: payloadAt(T.memtype, 'memtype_free', 'ret'),
  krefGet: factCode(T.kref, 'kref_get'),
  krefValue: payloadAt(T.kref, 'kref_get', 'kref'),
  krefPut: factCode(T.kref, 'kref_put'),
  krefPutValue: payloadAt(T.kref, 'kref_put', 'kref'),
  dupRefused: factCode(T.kref, 'vm_area_dup_refused'),
  dupRefusedRet: payloadAt(T.kref, 'vm_area_dup_refused', 'ret'),
  untrack: factCode(T.kref, 'pfnmap_untrack'),
  untrackRange: payloadAt(T.kref, 'pfnmap_untrack', 'range'),
  ctxFree: factCode(T.kref, 'pfnmap_track_ctx_release'),
  krefWarn: factCode(T.kref, 'warn'),
  allocCtx: factCode(T.vma, 'pfnmap_track_ctx_alloc'),
  attachCtx: factCode(T.vma, 'attach_ctx'),
  trackPfnRemap: factCode(T.vma, 'track_pfn_remap'),
  remapRefused: factCode(T.vma, 'remap_refused'),
  remapRefusedRet: payloadAt(T.vma, 'remap_refused', 'ret'),
  setupCachemode: factCode(T.vma, 'pfnmap_setup_cachemode'),
  zapPartial: factCode(T.vma, 'zap_partial'),
  untrackExplicit: factCode(T.vma, 'untrack_pfn_explicit'),
  ctxDup: factCode(T.vma, 'ctx_dup'),
  clearNew: factCode(T.vma, 'untrack_pfn_clear_new'),
  trackPfnCopySrc: factCode(T.vma, 'track_pfn_copy_src'),
  trackPfnCopyDst: factCode(T.vma, 'track_pfn_copy_dst'),
  untrackPfn: factCode(T.vma, 'untrack_pfn'),
  untrackPfnClear: factCode(T.vma, 'untrack_pfn_clear'),
  untrackPfnCopy: factCode(T.vma, 'untrack_pfn_copy'),
  ctxPut: factCode(T.vma, 'ctx_put'),
  untrackUncovered: factCode(T.vma, 'untrack_uncovered'),
  patInfoFailed: factCode(T.patInfo, 'pat_info_failed'),
  pifRet: payloadAt(T.patInfo, 'pat_info_failed', 'ret'),
  pifWarn: payloadAt(T.patInfo, 'pat_info_failed', 'warn'),
  piSource: payloadAt(T.patInfo, 'pat_info', 'source'),
  sExact: stringCode('exact'),
  sEnd: stringCode('end'),
  sPart: stringCode('part'),
  sCtx: stringCode('ctx'),
  sRemaining: stringCode('remaining'),
  sPte: stringCode('pte'),
  sAnon: stringCode('anon'),
  sDetach: stringCode('detach_replaced'),
  sRemapMove: stringCode('remap_move'),
  sResizeCheckEarly: stringCode('resize_check_early'),
  sUnmapDestination: stringCode('unmap_destination'),
  sUnmapTail: stringCode('unmap_tail'),
  sVmaLookup: stringCode('vma_lookup'),
  sResizeCheck: stringCode('resize_check'),
  sMove: stringCode('move'),
});

export { M_DONTCOPY, M_MAPPED, M_PFNMAP, M_READ, M_WRITE };
