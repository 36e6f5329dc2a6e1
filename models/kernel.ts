/**
 * The kernel executor: runs one command (MODEL.md §3) against a packed state and emits the
 * facts it causes through a fact sink (src/reducer/facts.ts). The control flow is the
 * kernel's (mm/mmap.c, mm/vma.c, mm/mremap.c, mm/mprotect.c, mm/madvise.c, kernel/fork.c,
 * mm/memory.c, arch/x86/mm/pat/memtype.c; the reference and docs/kernel-mapping.md cite each
 * step); every tracking decision comes from the compiled machines (tables.ts):
 *
 * - syscallMachine: argument checks and their errnos;
 * - vmaMachine: which pfnmap hook a VMA transition runs, per design;
 * - krefMachine: kref_get / kref_put / REFCOUNT_MAX refusal / release;
 * - memtypeMachine: conflict check, type substitution, caller refusal, exact/END/invalid free;
 * - patInfoMachine: legacy first-PTE lookup (get_pat_info / follow_phys).
 *
 * The executor reads the state it writes (through the sink) as the kernel reads its own
 * writes under mmap_lock and memtype_lock. On the checker's path it creates no event objects;
 * it still allocates a few small arrays per command (VMA lists in teardown).
 */
import type { Command } from '../src/events/commands.ts';
import type { Facts } from '../src/reducer/facts.ts';
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
import { UC_MINUS, WB, modeIndex } from '../src/state/cacheMode.ts';
import type { Design } from '../src/state/design.ts';
import { addrOf, frameOf, slotOf } from '../src/state/geometry.ts';
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
  WARN_REFCOUNT_UNDERFLOW,
  layoutOf,
  protFlags,
  ptePfn,
  pteMode,
  type Layout,
} from '../src/state/layout.ts';
import { PAGE_SIZE, pageAligned, type Universe } from '../src/state/universe.ts';
import { edgeOf, type EmittedFact } from './compile.ts';
import { EACCES, EAGAIN, EFAULT, EINVAL, ENOMEM } from '../src/state/errno.ts';
import { KREF_DUP, KREF_PUT } from './krefMachine.ts';
import { OVERLAP_CONFLICT, OVERLAP_NONE, OVERLAP_UNIFORM, freeIndex, freePartIndex, reserveIndex } from './memtypeMachine.ts';
import { patInfoIndex, type FirstPte } from './patInfoMachine.ts';
import { syscallIndex } from './syscallMachine.ts';
import { compileTables, type Tables } from './tables.ts';
import {
  V_COPY_FAILED,
  V_DUP_FORK,
  V_DUP_MREMAP,
  V_DUP_SPLIT,
  V_FREE,
  V_MOVE_SOURCE,
  V_REMAP_PARTIAL,
  V_REMAP_WHOLE,
  V_UNMAP,
  V_ZAP,
} from './vmaMachine.ts';

/** track_pfn_copy of RAM (an anon first page, before 04c35ab3bdae): no reservation was made. */
const NO_RESERVATION = 0x7fff;

/** A command the universe cannot represent (outside its pages or frames, a dead pid). */
export class CommandError extends Error {}

export interface StepResult {
  readonly ret: number;
  readonly signal?: 'SIGBUS' | 'SIGSEGV';
}

const PAGE_ALIGN = (len: number): number => Math.ceil(len / PAGE_SIZE);

/** Decisions the checker's reachability properties look for (counts, reset by the caller). */
export const NOTE_RESERVE_REFUSED = 0;
export const NOTE_DUP_REFUSED = 1;
export const NOTE_COUNT = 2;

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

/**
 * The entries memtype_free(start, end) can match in state s (§1.5): the exact match
 * (identical entries are interchangeable to the kernel; the owner's own is preferred) and the
 * END match (legacy; the interval tree yields the lowest start first, among equal starts the
 * owner's), as (exact + 1) | (end + 1) << 9, 0 for none (matchExact, matchEnd).
 */
export const memtypeFreeMatch = (L: Layout, s: Bytes, start: number, end: number, owner: number): number => {
  const n = treeCount(L, s);
  let exact = -1;
  let endm = -1;
  for (let k = 0; k < n; k++) {
    if (tEnd(L, s, k) !== end) continue;
    const ks = tStart(L, s, k);
    if (ks === start) {
      if (exact < 0 || (tOwner(L, s, k) === owner && tOwner(L, s, exact) !== owner)) exact = k;
    } else if (ks < start) {
      if (endm < 0 || (ks === tStart(L, s, endm) && tOwner(L, s, k) === owner && tOwner(L, s, endm) !== owner)) endm = k;
    }
  }
  return exact + 1 + ((endm + 1) << 9);
};
export const matchExact = (m: number): number => (m & 0x1ff) - 1;
export const matchEnd = (m: number): number => (m >>> 9) - 1;

/** get_unmapped_area, top-down: the highest run of n free pages of address space p, or -1. */
export const topDownGap = (L: Layout, s: Bytes, p: number, n: number): number => {
  for (let s0 = L.V - n; s0 >= 0; s0--) {
    let free = true;
    for (let j = s0; j < s0 + n && free; j++) if (vflags(L, s, p, j) & VF_IN_VMA) free = false;
    if (free) return s0;
  }
  return -1;
};

/** Injected faults, resolved per command. */
type Fault = 'remap_fill_first' | 'remap_fill_later' | 'ctx_alloc' | 'split' | undefined;

export class Kernel {
  readonly L: Layout;
  readonly legacy: boolean;
  readonly T: Tables;
  protected f!: Facts;
  protected s!: Bytes;
  private readonly mtrrUc: boolean;
  /** split fault bookkeeping: the split with this number (0-based) in the command fails */
  private splitFailAt = -1;
  private splitCount = 0;
  readonly notes = new Uint32Array(NOTE_COUNT);
  /** tracked MAP_FIXED: kref_puts of the replaced VMAs (ctx, pgoff or -1, pages), run after the new mapping (kernel-facts Q9) */
  private deferredPuts: number[] = [];

  constructor(
    readonly u: Universe,
    readonly design: Design,
    tables?: Tables,
  ) {
    this.L = layoutOf(u);
    this.legacy = design.kind === 'legacy';
    this.T = tables ?? compileTables(u, design);
    this.mtrrUc = u.mtrr !== 'WB';
  }

  /** Run one command on f.s (mutated through f). */
  exec(f: Facts, cmd: Command): StepResult {
    const ret = this.step(f, cmd);
    return this.lastSignal ? { ret, signal: this.lastSignal } : { ret };
  }

  /** The signal the last step delivered (write faults, driver faults), if any. */
  lastSignal: 'SIGBUS' | 'SIGSEGV' | undefined = undefined;

  /** The checker's actions, fixed for a search (prepare), run by index (stepAction). */
  protected actionCmds: readonly Command[] = [];
  /** Set the commands stepAction runs (a subclass may decode them here, once). */
  prepare(cmds: readonly Command[]): void {
    this.actionCmds = cmds;
  }
  /** step of the i-th prepared command: the checker's inner loop. */
  stepAction(f: Facts, i: number): number {
    return this.step(f, this.actionCmds[i]);
  }

  /** exec without a result object. */
  step(f: Facts, cmd: Command): number {
    this.f = f;
    this.s = f.s;
    this.splitFailAt = -1;
    this.splitCount = 0;
    this.lastSignal = undefined;
    const slot = f.beginStep();
    let p = -1;
    let ret: number;
    // a property load, not the `in` operator: commands come in many shapes and `in` on a
    // megamorphic site was the executor's single most expensive line (docs/performance.md)
    const pid = (cmd as { readonly pid?: number }).pid;
    if (pid !== undefined) {
      p = slotOf(this.u, pid);
      if (p < 0 || !isAlive(this.L, this.s, p)) throw new CommandError(`pid ${pid} is not a live address space`);
    }
    switch (cmd.kind) {
      case 'mmap':
        ret = this.mmap(p, cmd);
        break;
      case 'munmap':
        ret = this.munmap(p, cmd.addr, cmd.len, cmd.fault);
        break;
      case 'mprotect':
        ret = this.mprotect(p, cmd.addr, cmd.len, cmd.prot, cmd.fault);
        break;
      case 'madvise':
        ret = this.madvise(p, cmd.addr, cmd.len, cmd.advice, cmd.fault);
        break;
      case 'mremap':
        ret = this.mremap(p, cmd);
        break;
      case 'fork':
        ret = this.fork(p, cmd.fault, cmd.faultVma ?? 0);
        break;
      case 'exit':
        ret = this.exit(p);
        break;
      case 'write_fault':
        ret = this.writeFault(p, cmd.addr);
        break;
      case 'vmf_insert_pfn':
        ret = this.vmfInsertPfn(p, cmd.addr);
        break;
      case 'zap_vma_ptes':
        ret = this.zapVmaPtes(p, cmd.addr, cmd.len);
        break;
      case 'unmap_mapping_range':
        ret = this.unmapMappingRange(cmd.pfn, cmd.nrPages);
        break;
      case 'memremap_pages':
        ret = this.memremapPages(cmd.pfn, cmd.nrPages);
        break;
      case 'ioremap':
        ret = this.ioremap(cmd.pfn, cmd.nrPages, modeIndex(cmd.cacheMode));
        break;
      case 'memunmap_pages':
      case 'iounmap':
        ret = this.kernelUnmap(cmd.kind === 'memunmap_pages' ? KERNEL_MEMREMAP : KERNEL_IOREMAP, cmd.handle);
        break;
    }
    if (slot >= 0) f.endStep(slot, p, cmd, ret, this.lastSignal);
    return ret;
  }

  // ------------------------------------------------------------------------------------------
  // small helpers

  private frame(pfn: number, n: number): number {
    const i = frameOf(this.u, pfn);
    if (i < 0 || i + n > this.u.pfns) throw new CommandError(`pfn range ${pfn}+${n} is outside the universe's ${this.u.pfns} device frames`);
    return i;
  }
  private page(addr: number): number {
    return addr / PAGE_SIZE - this.u.vaBasePage;
  }
  private syscallCheck(index: number): number | null {
    const e = edgeOf(this.T.syscall, 0, index).emitted[0];
    return e.type === 'proceed' ? null : (e.ret as number);
  }
  private vmaFacts(p: number, vs: number, event: number): readonly EmittedFact[] {
    const st = ownerOf(this.L, this.s, p, vs) !== 0 ? this.T.vmaTracked : this.T.vmaUntracked;
    return edgeOf(this.T.vma, st, event).emitted;
  }
  private inVma(p: number, v: number): boolean {
    return v >= 0 && v < this.L.V && (vflags(this.L, this.s, p, v) & VF_IN_VMA) !== 0;
  }
  /** The first VMA start in [a, b), or -1. A VMA that starts before a but covers it counts. */
  private firstVma(p: number, a: number, b: number): number {
    for (let v = Math.max(a, 0); v < Math.min(b, this.L.V); v++) if (this.inVma(p, v)) return vmaStartOf(this.L, this.s, p, v);
    return -1;
  }
  /** Lowest lineage id (legacy ghost) not named by any VMA or tree entry. */
  private newLineage(): number {
    for (let c = 1; c <= this.L.C; c++) if (!ownerInUse(this.L, this.s, c)) return c;
    throw new Error('no free lineage id (universe too small)');
  }

  // ------------------------------------------------------------------------------------------
  // memtype core (arch/x86/mm/pat/memtype.c, reference §1)

  /** lookup_memtype(paddr) for one device frame: first overlapping entry's type, else UC- (§1.6). */
  protected lookupMemtype(i: number): number {
    const L = this.L;
    const s = this.s;
    const n = treeCount(L, s);
    for (let k = 0; k < n; k++) if (tStart(L, s, k) <= i && tEnd(L, s, k) > i) return tType(L, s, k);
    return UC_MINUS;
  }

  /**
   * memtype_reserve + the caller's type check. caller 0: reserve_pfn_range (pfnmap_track,
   * track_pfn_remap, track_pfn_copy); caller 1: __ioremap_caller. Returns ret, and the cache
   * mode the mapping gets in this.resMode.
   */
  protected resMode = 0;
  protected reserve(start: number, end: number, req: number, strict: boolean, caller: number, owner: number): number {
    this.classifyOverlap(start, end);
    const overlap = this.overlap;
    const first = this.overlapFirst;
    const edge = edgeOf(this.T.memtype, 0, reserveIndex(req, this.mtrrUc, overlap, first, strict, caller));
    if (edge.emitted[edge.emitted.length - 1].ret !== 0) this.notes[NOTE_RESERVE_REFUSED]++;
    let ret = 0;
    for (const e of edge.emitted) {
      switch (e.type) {
        case 'memtype_reserve':
          this.f.memtypeReserve(start, end, e.reqType as number, e.newType as number, strict, e.ret as number, owner, e.printk as string | undefined);
          break;
        case 'memtype_free_reserved':
          this.free(start, end, owner);
          break;
        case 'reserve_result':
          ret = e.ret as number;
          this.resMode = e.cacheMode as number;
          break;
      }
    }
    return ret;
  }

  protected overlap = OVERLAP_NONE;
  protected overlapFirst = 0;
  /** memtype_check_conflict's view of [start, end): no overlap, one type, or a conflict (§1.4). */
  protected classifyOverlap(start: number, end: number): void {
    const o = memtypeOverlap(this.L, this.s, start, end);
    this.overlap = o & 3;
    this.overlapFirst = o >>> 2;
  }

  /** memtype_free(start, end) (§1.5): exact match (preferring the owner's own entry), END match (legacy), or invalid. */
  protected free(start: number, end: number, owner: number): void {
    const m = memtypeFreeMatch(this.L, this.s, start, end, owner);
    const exact = matchExact(m);
    const endm = matchEnd(m);
    const e = edgeOf(this.T.memtype, 0, freeIndex(exact >= 0, endm >= 0, this.legacy)).emitted[0];
    const match = e.match as 'exact' | 'end' | 'none';
    this.f.memtypeFree(start, end, match, match === 'exact' ? exact : endm);
  }

  /** pfnmap_setup_cachemode (§1.7): every page must look up the same type; -EINVAL otherwise. */
  private setupCachemode(pfn: number, n: number): number {
    const m0 = this.lookupMemtype(pfn);
    let ret = 0;
    for (let j = 1; j < n; j++) if (this.lookupMemtype(pfn + j) !== m0) ret = -EINVAL;
    this.f.pfnmapSetupCachemode(pfn, n, ret, m0);
    this.resMode = m0;
    return ret;
  }

  // ------------------------------------------------------------------------------------------
  // pfnmap_track_ctx kref (tracked design)

  private krefEdge(c: number, ev: number): readonly EmittedFact[] {
    const k = ctxPages(this.L, this.s, c) === 0 ? 0 : ctxKref(this.L, this.s, c);
    return edgeOf(this.T.kref, this.T.krefState[k] ?? this.T.krefState[0], ev).emitted;
  }
  /** vma_pfnmap_track_ctx_dup: 0, or -ENOMEM when the kref reached REFCOUNT_MAX. */
  protected ctxDup(c: number): number {
    for (const e of this.krefEdge(c, KREF_DUP)) {
      if (e.type === 'kref_get') this.f.krefGet(c, e.kref as number);
      else if (e.type === 'vm_area_dup_refused') {
        this.notes[NOTE_DUP_REFUSED]++;
        return e.ret as number;
      }
      else if (e.type === 'warn') this.f.warn(WARN_REFCOUNT_UNDERFLOW);
    }
    return 0;
  }
  /** kref_put(&ctx->kref, pfnmap_track_ctx_release): at 0, pfnmap_untrack of the full range, kfree. */
  protected ctxPut(c: number): void {
    for (const e of this.krefEdge(c, KREF_PUT)) {
      if (e.type === 'kref_put') this.f.krefPut(c, e.kref as number);
      else if (e.type === 'pfnmap_track_ctx_release') this.release(c);
      else if (e.type === 'warn') this.f.warn(WARN_REFCOUNT_UNDERFLOW);
    }
  }

  /** pfnmap_track_ctx_release: pfnmap_untrack(ctx->pfn, ctx->size), then kfree. */
  protected release(c: number): void {
    if (this.design.kind === 'precise') {
      // precise: what is still reserved of the range, piece by piece
      for (let i = 0; i < treeCount(this.L, this.s); ) {
        if (tOwner(this.L, this.s, i) !== c) {
          i++;
          continue;
        }
        const a = tStart(this.L, this.s, i);
        const b = tEnd(this.L, this.s, i);
        this.f.pfnmapUntrack(a, b - a);
        this.free(a, b, c);
      }
      this.f.ctxRelease(c);
      return;
    }
    const pfn = ctxPfn(this.L, this.s, c);
    const n = ctxPages(this.L, this.s, c);
    this.f.pfnmapUntrack(pfn, n);
    this.free(pfn, pfn + n, c);
    this.f.ctxRelease(c);
  }

  // ------------------------------------------------------------------------------------------
  // legacy untrack paths (reference §2.4-§2.6)

  private firstPteClass(p: number, vs: number): FirstPte {
    const pte = pteOf(this.L, this.s, p, vs);
    return pte === 0 ? 'none' : pte & PTE_ANON ? 'anon' : 'special';
  }
  private patInfo(p: number, vs: number, needProt: boolean): EmittedFact {
    const cow = (vflags(this.L, this.s, p, vs) & VF_SHARED) === 0;
    return edgeOf(this.T.patInfo, 0, patInfoIndex(this.firstPteClass(p, vs), cow, needProt)).emitted[0];
  }

  /** untrack_pfn(vma, 0, 0): whole-VMA untrack from the first PTE and the current size. */
  private untrackWhole(p: number, vs: number): void {
    const ve = vmaEndOf(this.L, this.s, p, vs);
    const n = ve - vs;
    const info = this.patInfo(p, vs, false);
    if (info.type === 'pat_info_failed') {
      if (info.warn) this.f.warn(WARN_GET_PAT_INFO);
      this.f.untrackPfn(p, vs, n, null, info.ret as number);
      return; // nothing freed, VM_PAT kept
    }
    const owner = ownerOf(this.L, this.s, p, vs);
    if (info.source === 'anon') {
      // the anon page's address is RAM: free_pfn_range does nothing (§2.9 B)
      this.f.untrackPfn(p, vs, n, null, 0);
    } else {
      const pfn = info.source === 'pte' ? ptePfn(pteOf(this.L, this.s, p, vs)) : pgoffOf(this.L, this.s, p, vs);
      this.f.untrackPfn(p, vs, n, pfn, 0);
      this.free(pfn, pfn + n, owner);
    }
    this.f.vmPatClear(p, vs, ve);
  }

  /** Run the hooks a VMA transition emitted that untrack or clear (UNMAP, ZAP, MOVE_SOURCE, COPY_FAILED). */
  private runUntrackHooks(p: number, vs: number, facts: readonly EmittedFact[], copiedPfn = -1): void {
    for (const e of facts) {
      switch (e.type) {
        case 'untrack_pfn':
          this.untrackWhole(p, vs);
          break;
        case 'untrack_pfn_clear':
          this.f.untrackPfnClear(p, vs, vmaEndOf(this.L, this.s, p, vs));
          break;
        case 'untrack_pfn_copy': {
          const ve = vmaEndOf(this.L, this.s, p, vs);
          if (copiedPfn >= 0) {
            this.f.untrackPfnCopy(p, vs, copiedPfn, ve - vs);
            this.free(copiedPfn, copiedPfn + (ve - vs), ownerOf(this.L, this.s, p, vs));
          }
          this.f.vmPatClear(p, vs, ve);
          break;
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // VMA primitives

  /**
   * __split_vma at page `at` of the VMA containing it. newBelow: the new VMA (vm_area_dup) is
   * the lower piece [vm_start, at), else the upper piece [at, vm_end).
   */
  protected split(p: number, at: number, newBelow: boolean): number {
    const vs = vmaStartOf(this.L, this.s, p, at);
    const ve = vmaEndOf(this.L, this.s, p, vs);
    const n0 = newBelow ? vs : at;
    const n1 = newBelow ? at : ve;
    if (this.splitCount++ === this.splitFailAt) {
      // vm_area_dup's allocation fails: __split_vma returns -ENOMEM, nothing changes
      this.f.vmAreaDup(p, n0, n1, 'split', p, n0, -ENOMEM);
      return -ENOMEM;
    }
    let ret = 0;
    let clearNew = false;
    for (const e of this.vmaFacts(p, vs, V_DUP_SPLIT)) {
      if (e.type === 'ctx_dup') ret = this.ctxDup(ownerOf(this.L, this.s, p, vs));
      else if (e.type === 'untrack_pfn_clear_new') clearNew = true;
    }
    this.f.vmAreaDup(p, n0, n1, 'split', p, n0, ret);
    if (ret === 0 && clearNew) this.f.untrackPfnClear(p, n0, n1);
    return ret;
  }

  /** Splits needed so that [a, b) is made of whole VMAs (the start split, then the end split). */
  private splitEdges(p: number, a: number, b: number): number {
    if (a > 0 && a < this.L.V && this.inVma(p, a) && (vflags(this.L, this.s, p, a) & VF_START) === 0) {
      const r = this.split(p, a, true);
      if (r) return r;
    }
    if (b > 0 && b < this.L.V && this.inVma(p, b) && (vflags(this.L, this.s, p, b) & VF_START) === 0) {
      const r = this.split(p, b, false);
      if (r) return r;
    }
    return 0;
  }

  /** Splits splitEdges would need (to aim an injected split failure at the last one). */
  private countSplits(p: number, a: number, b: number): number {
    let c = 0;
    if (a > 0 && a < this.L.V && this.inVma(p, a) && (vflags(this.L, this.s, p, a) & VF_START) === 0) c++;
    if (b > 0 && b < this.L.V && this.inVma(p, b) && (vflags(this.L, this.s, p, b) & VF_START) === 0) c++;
    return c;
  }

  /** VMA starts inside [a, b) (which is made of whole VMAs), ascending. */
  private vmaStartsIn(p: number, a: number, b: number): number[] {
    const out: number[] = [];
    for (let v = Math.max(a, 0); v < Math.min(b, this.L.V); v++)
      if ((vflags(this.L, this.s, p, v) & (VF_IN_VMA | VF_START)) === (VF_IN_VMA | VF_START)) out.push(v);
    return out;
  }

  /**
   * unmap_vmas + free_pgtables + remove_vma for whole VMAs, ascending. Legacy: untrack_pfn
   * (the UNMAP hook) runs inside unmap_single_vma before each VMA's PTEs are zapped; tracked:
   * kref_put runs in vm_area_free after every zap (kernel-facts Q5, Q8).
   */
  private teardown(p: number, starts: readonly number[], deferPuts = false): void {
    const ends: number[] = [];
    for (let i = 0; i < starts.length; i++) ends.push(vmaEndOf(this.L, this.s, p, starts[i]));
    for (let i = 0; i < starts.length; i++) {
      this.runUntrackHooks(p, starts[i], this.vmaFacts(p, starts[i], V_UNMAP));
      this.zapPtes(p, starts[i], ends[i]);
    }
    for (let i = 0; i < starts.length; i++) this.vmFree(p, starts[i], ends[i], deferPuts);
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
      this.f.zapPteRange(p, v, e);
      v = e;
    }
  }

  protected vmFree(p: number, vs: number, ve: number, deferPut = false): void {
    const owner = ownerOf(this.L, this.s, p, vs);
    const pg = pgoffOf(this.L, this.s, p, vs);
    const facts = this.vmaFacts(p, vs, V_FREE);
    this.f.vmAreaFree(p, vs, ve);
    let put = false;
    let uncovered = false;
    for (const e of facts) {
      if (e.type === 'ctx_put') put = true;
      else if (e.type === 'untrack_uncovered') uncovered = true;
    }
    if (!put) return;
    if (deferPut) this.deferredPuts.push(owner, uncovered ? pg : -1, ve - vs);
    else this.putAfterFree(owner, uncovered ? pg : -1, ve - vs);
  }

  /** kref_put of a freed VMA's ctx; precise: then untrack the pages nothing maps any more. */
  protected putAfterFree(c: number, pg: number, n: number): void {
    this.ctxPut(c);
    if (pg >= 0 && ctxPages(this.L, this.s, c) !== 0) this.untrackUncovered(c, pg, pg + n);
  }

  /** precise: the frames of [a, b) no VMA of ctx c maps, untracked run by run. */
  protected untrackUncovered(c: number, a: number, b: number): void {
    let f = a;
    while (f < b) {
      if (this.coveredBy(c, f)) {
        f++;
        continue;
      }
      let e = f + 1;
      while (e < b && !this.coveredBy(c, e)) e++;
      this.f.pfnmapUntrack(f, e - f);
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

  /** precise: free [start, end) out of the owner's entry that contains it. */
  protected freePart(start: number, end: number, owner: number): void {
    const L = this.L;
    const n = treeCount(L, this.s);
    let k = -1;
    for (let i = 0; i < n && k < 0; i++) if (tOwner(L, this.s, i) === owner && tStart(L, this.s, i) <= start && tEnd(L, this.s, i) >= end) k = i;
    const e = edgeOf(this.T.memtype, 0, freePartIndex(k >= 0)).emitted[0];
    this.f.memtypeFree(start, end, e.match as 'part' | 'none', k);
  }

  /** do_vmi_munmap of [a, b) (pages, clipped): splits, then teardown. */
  protected unmapRange(p: number, a: number, b: number, deferPuts = false): number {
    a = Math.max(a, 0);
    b = Math.min(b, this.L.V);
    if (a >= b || this.firstVma(p, a, b) < 0) return 0;
    const r = this.splitEdges(p, a, b);
    if (r) return r;
    this.teardown(p, this.vmaStartsIn(p, a, b), deferPuts);
    return 0;
  }

  /** zap_page_range_single over [a, b) of the VMA at vs (legacy: untracks the whole VMA first, bug F). */
  protected zapRange(p: number, vs: number, a: number, b: number): void {
    this.runUntrackHooks(p, vs, this.vmaFacts(p, vs, V_ZAP));
    this.zapPtes(p, a, b);
  }

  // ------------------------------------------------------------------------------------------
  // remap_pfn_range (reference §2.3, §3.3; kernel-facts Q1)

  protected remapPfnRange(p: number, v0: number, v1: number, pfn: number, req: number, fault: Fault): number {
    const L = this.L;
    const vs = vmaStartOf(L, this.s, p, v0);
    const ve = vmaEndOf(L, this.s, p, vs);
    const n = v1 - v0;
    const whole = v0 === vs && v1 === ve;
    this.f.remapPfnRange(p, v0, n, pfn, req, whole);
    let mode = req;
    let ctx = 0;
    let lineage = 0;
    for (const e of this.vmaFacts(p, vs, whole ? V_REMAP_WHOLE : V_REMAP_PARTIAL)) {
      switch (e.type) {
        case 'pfnmap_track_ctx_alloc': {
          // pfnmap_track first, then kmalloc (kernel-facts Q1)
          const c = freeCtxId(L, this.s);
          this.f.pfnmapTrack(pfn, n, req);
          if (this.reserve(pfn, pfn + n, req, false, 0, c) !== 0) return this.remapDone(p, v0, -EINVAL);
          if (fault === 'ctx_alloc') {
            this.f.pfnmapUntrack(pfn, n);
            this.free(pfn, pfn + n, c);
            return this.remapDone(p, v0, -ENOMEM);
          }
          this.f.ctxAlloc(c, pfn, n);
          ctx = c;
          mode = this.resMode;
          break;
        }
        case 'remap_refused':
          return this.remapDone(p, v0, e.ret as number);
        case 'track_pfn_remap': {
          lineage = ownerOf(L, this.s, p, vs) || this.newLineage();
          const r = this.reserve(pfn, pfn + n, req, false, 0, lineage);
          this.f.trackPfnRemap(p, v0, pfn, n, r === 0 ? 0 : -EINVAL);
          if (r !== 0) return this.remapDone(p, v0, -EINVAL);
          mode = this.resMode;
          this.f.vmPatSet(p, vs, ve, lineage);
          break;
        }
        case 'pfnmap_setup_cachemode':
          if (this.setupCachemode(pfn, n) !== 0) return this.remapDone(p, v0, -EINVAL);
          mode = this.resMode;
          break;
      }
    }
    // remap_pfn_range_notrack → remap_pfn_range_internal
    let err = 0;
    const flags = vflags(L, this.s, p, vs);
    if ((flags & VF_SHARED) === 0 && !whole) err = -EINVAL; // COW mapping must be remapped whole
    else {
      if ((flags & VF_PFNMAP) === 0) this.f.vmFlagsSet(p, vs, ve, VF_PFNMAP);
      const filled = fault === 'remap_fill_first' ? 0 : fault === 'remap_fill_later' ? 1 : n;
      let present = false;
      for (let v = v0; v < v0 + filled; v++) if (pteOf(L, this.s, p, v) !== 0) present = true;
      if (present) {
        // remap_pte_range: BUG_ON(!pte_none(*pte)). The kernel oopses; the model records the
        // BUG (invariant no-warn, which stops the search) and, to stay total, fails the call
        // with -EFAULT without touching the page tables: what follows is outside anything
        // the kernel guarantees (docs/model.md).
        this.f.warn(WARN_BUG_REMAP_PTE);
        err = -EFAULT;
      } else if (filled > 0) this.f.setPteRange(p, v0, v0 + filled, pfn, this.pteModeFor(req, mode));
      if (!present && filled < n) {
        err = -ENOMEM;
        // 79a61cc3fc04: zap the partial mapping (in every kernel with the rewrite)
        if (!this.legacy || (this.design.kind === 'legacy' && this.design.fixes['79a61cc3fc04'])) this.zapRange(p, vs, v0, v1);
      }
    }
    if (err !== 0) {
      if (ctx) this.ctxPut(ctx); // kref_put: 1 → 0 releases and untracks
      if (lineage && ownerOf(L, this.s, p, vs) !== 0) {
        // explicit untrack_pfn(vma, pfn, size): frees and clears, unless the zap already did
        this.f.untrackPfn(p, vs, n, pfn, 0);
        this.free(pfn, pfn + n, lineage);
        this.f.vmPatClear(p, vs, ve);
      }
      return this.remapDone(p, v0, err);
    }
    if (ctx) this.f.ctxAttach(p, vs, ve, ctx);
    return this.remapDone(p, v0, 0);
  }
  private remapDone(p: number, v0: number, ret: number): number {
    this.f.remapPfnRangeDone(p, v0, ret);
    return ret;
  }

  // ------------------------------------------------------------------------------------------
  // syscalls

  /** mmap of /dev/mem (mmap_mem) or of a driver (reference §1.9, §4; kernel-facts Q9). */
  private mmap(p: number, cmd: Extract<Command, { kind: 'mmap' }>): number {
    const L = this.L;
    const n = PAGE_ALIGN(cmd.len);
    const fixed = cmd.fixedAddr !== undefined;
    let v = -1;
    let unaligned = false;
    if (fixed) {
      unaligned = !pageAligned(cmd.fixedAddr!);
      v = this.page(cmd.fixedAddr!);
      if (!unaligned && (v < 0 || v + n > L.V)) throw new CommandError(`MAP_FIXED range at ${cmd.fixedAddr} is outside the universe's ${L.V} pages`);
    } else if (n > 0) v = topDownGap(L, this.s, p, n);
    const err = this.syscallCheck(syscallIndex.mmap(n === 0, unaligned, !fixed && v < 0));
    if (err !== null) return err;
    const pfn = this.frame(cmd.pfn, n);
    const req = modeIndex(cmd.cacheMode);
    this.deferredPuts = [];
    if (fixed) {
      // the replaced VMAs are zapped and detached now; the syscall machine says whether their
      // vm_area_free (and kref_put) runs now or after the new mapping's remap (kernel-facts Q9)
      const e = edgeOf(this.T.syscall, 0, syscallIndex.mmapReplace()).emitted[0];
      const r = this.unmapRange(p, v, v + n, e.when === 'after_remap');
      if (r) return r;
    }
    let flags = cmd.shared ? VF_SHARED | VF_READ : VF_READ | VF_WRITE;
    if (cmd.driver) flags |= VF_DRIVER;
    this.f.mmapRegion(p, v, v + n, pfn, flags);
    // the file's mmap hook
    let ret = 0;
    if (!cmd.driver) {
      // mmap_mem: remap_pfn_range over the whole VMA; any failure is -EAGAIN
      if (this.remapPfnRange(p, v, v + n, pfn, req, cmd.fault) !== 0) ret = -EAGAIN;
    } else if (cmd.driver === 'partial') {
      // A driver that maps its BAR piecewise (untracked remaps, vmf_insert_pfn) relies on the
      // reservation it made at probe (io_mapping / ioremap_wc, reference §3.6); it refuses a
      // range outside it.
      const k = Math.min(n, Math.max(1, PAGE_ALIGN(cmd.remapLen ?? PAGE_SIZE)));
      ret = this.coveredByIoremap(pfn, n) ? this.remapPfnRange(p, v, v + k, pfn, req, cmd.fault) : -EINVAL;
    } else {
      ret = this.remapPfnRange(p, v, v + n, pfn, req, cmd.fault);
      if (ret === 0 && cmd.driver === 'twice') ret = this.remapPfnRange(p, v, v + n, pfn, req, undefined);
    }
    if (ret !== 0) {
      // mmap_region error path: unmap_region (zap, legacy untrack) then vm_area_free
      this.teardown(p, [v]);
    }
    const d = this.deferredPuts;
    for (let i = 0; i < d.length; i += 3) this.putAfterFree(d[i], d[i + 1], d[i + 2]);
    this.deferredPuts = [];
    return ret !== 0 ? ret : addrOf(this.u, v);
  }

  private munmap(p: number, addr: number, len: number, fault: Fault): number {
    const unaligned = !pageAligned(addr);
    const n = PAGE_ALIGN(len);
    const err = this.syscallCheck(syscallIndex.munmap(unaligned, n === 0));
    if (err !== null) return err;
    const a = this.page(addr);
    if (fault === 'split') this.splitFailAt = this.countSplits(p, a, a + n) - 1;
    return this.unmapRange(p, a, a + n);
  }

  /** do_mprotect_pkey (kernel-facts Q6). */
  private mprotect(p: number, addr: number, len: number, prot: string, fault: Fault): number {
    const unaligned = !pageAligned(addr);
    const n = PAGE_ALIGN(len);
    const err = this.syscallCheck(syscallIndex.mprotect(unaligned, len === 0));
    if (err !== null) return err;
    const a = this.page(addr);
    const b = a + n;
    const protBits = protFlags(prot);
    const first = this.firstVma(p, a, b);
    if (first < 0 || first > a || a < 0) return -ENOMEM; // no VMA, or a hole at the start
    if (fault === 'split') this.splitFailAt = this.countMprotectSplits(p, a, b, protBits) - 1;
    let tmp = a;
    let vs = first;
    while (vs >= 0 && vs < Math.min(b, this.L.V)) {
      if (vs > tmp) return -ENOMEM; // hole in the middle: earlier VMAs stay changed
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
        if (set) this.f.vmFlagsSet(p, pa, pb, set);
        if (clear) this.f.vmFlagsClear(p, pa, pb, clear);
      }
      tmp = pb;
      vs = pb < this.L.V && this.inVma(p, pb) ? pb : this.nextVma(p, pb);
    }
    return tmp < b ? -ENOMEM : 0;
  }
  private nextVma(p: number, from: number): number {
    for (let v = from; v < this.L.V; v++) if (this.inVma(p, v)) return v;
    return -1;
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

  /** do_madvise on VM_PFNMAP VMAs (kernel-facts Q7). */
  private madvise(p: number, addr: number, len: number, advice: string, fault: Fault): number {
    const unaligned = !pageAligned(addr);
    const n = PAGE_ALIGN(len);
    const err = this.syscallCheck(syscallIndex.madvise(unaligned, len === 0));
    if (err !== null) return err;
    const a = this.page(addr);
    const b = a + n;
    let unmapped = 0;
    let tmp = a;
    let vs = this.firstVma(p, a, b);
    if (fault === 'split' && advice === 'MADV_DONTFORK') {
      let c = 0;
      for (let w = vs; w >= 0 && w < Math.min(b, this.L.V); w = this.nextVma(p, vmaEndOf(this.L, this.s, p, w)))
        if ((vflags(this.L, this.s, p, w) & VF_DONTCOPY) === 0) c += this.countSplits(p, Math.max(a, w), Math.min(b, vmaEndOf(this.L, this.s, p, w)));
      this.splitFailAt = c - 1;
    }
    if (vs < 0) return -ENOMEM;
    while (vs >= 0 && vs < Math.min(b, this.L.V)) {
      if (vs > tmp) unmapped = -ENOMEM; // a hole: remembered, the walk goes on
      const ve = vmaEndOf(this.L, this.s, p, vs);
      const flags = vflags(this.L, this.s, p, vs);
      const pa = Math.max(a, vs);
      const pb = Math.min(b, ve);
      if (advice === 'MADV_DONTFORK') {
        if ((flags & VF_DONTCOPY) === 0) {
          const r = this.splitEdges(p, pa, pb);
          if (r) return r === -ENOMEM ? -EAGAIN : r; // madvise_update_vma turns ENOMEM into EAGAIN
          this.f.vmFlagsSet(p, pa, pb, VF_DONTCOPY);
        }
      } else if (advice === 'MADV_DOFORK') {
        return -EINVAL; // VM_IO
      } else {
        // DONTNEED(_LOCKED), FREE, COLD, PAGEOUT, POPULATE_*: VM_PFNMAP refused; WIPEONFORK: file VMA;
        // DODUMP: VM_SPECIAL
        return -EINVAL;
      }
      tmp = pb;
      vs = this.nextVma(p, pb);
    }
    if (tmp < Math.min(b, this.L.V) || b > this.L.V) unmapped = -ENOMEM;
    return unmapped;
  }

  /** mremap (kernel-facts Q4): v6.16 checks everything first; v6.1-v6.15 unmap dst and tail first. */
  private mremap(p: number, cmd: Extract<Command, { kind: 'mremap' }>): number {
    const L = this.L;
    const fixed = cmd.flags.includes('MREMAP_FIXED');
    const maymove = cmd.flags.includes('MREMAP_MAYMOVE');
    const dontunmap = cmd.flags.includes('MREMAP_DONTUNMAP');
    const oldN = PAGE_ALIGN(cmd.oldLen);
    const newN = PAGE_ALIGN(cmd.newLen);
    const err = this.syscallCheck(
      syscallIndex.mremap(false, fixed && !maymove, dontunmap && (!maymove || cmd.oldLen !== cmd.newLen), !pageAligned(cmd.oldAddr), newN === 0),
    );
    if (err !== null) return err;
    const a = this.page(cmd.oldAddr);
    const na = cmd.newAddr ?? 0;
    const nv = this.page(na);
    const order = edgeOf(this.T.syscall, 0, syscallIndex.mremapOrder()).emitted[0];
    // (no closures here: tsx's keepNames would wrap each one in a defineProperty call per run)
    // check_mremap_params: the new address's alignment (v6.16) and overlap (v6.17) before the lookup
    if ((fixed || dontunmap) && ((order.alignFirst && !pageAligned(na)) || (order.checksFirst && a < nv + newN && nv < a + oldN))) return -EINVAL;
    // vma_lookup(addr) right after the argument checks, in every version (kernel-facts Q4);
    // v6.17 remap_move finds no VMA at the start of the range: the same EFAULT
    if (this.vmaLookup(p, a) < 0) return -EFAULT;
    if (fixed || dontunmap) {
      if (!pageAligned(na)) return -EINVAL;
      if (a < nv + newN && nv < a + oldN) return -EINVAL; // overlapping ranges
      if (fixed && (nv < 0 || nv + newN > L.V)) throw new CommandError(`MREMAP_FIXED target ${na} is outside the universe's ${L.V} pages`);
      if (order.moveMulti && fixed && oldN === newN) return this.remapMove(p, a, oldN, nv, dontunmap);
      if (order.checksFirst) {
        // v6.17 check_prep_vma before anything is unmapped
        const r = this.resizeCheck(p, this.vmaLookup(p, a), newN < oldN ? newN : oldN, a, newN, dontunmap);
        if (r) return r;
      }
      // up to v6.16 mremap_to unmaps the destination and the shrink tail first, then runs
      // vma_to_resize / resize_is_valid (6.12 mm/mremap.c mremap_to)
      if (!fixed) return -EINVAL; // DONTUNMAP without FIXED: a PFNMAP is refused (vma_to_resize)
      let r = this.unmapDestination(p, nv, nv + newN);
      if (r) return r;
      let len = oldN;
      if (oldN > newN) {
        r = this.unmapRange(p, a + newN, a + oldN);
        if (r) return r;
        len = newN;
      }
      const vs = this.vmaLookup(p, a);
      if (vs < 0) return -EFAULT;
      r = this.resizeCheck(p, vs, len, a, newN, dontunmap);
      if (r) return r;
      return this.moveVma(p, a, len, nv);
    }
    if (oldN >= newN) {
      if (oldN === newN) return cmd.oldAddr;
      const r = this.unmapRange(p, a + newN, a + oldN);
      return r ? r : cmd.oldAddr;
    }
    const r = this.resizeCheck(p, this.vmaLookup(p, a), oldN, a, newN, dontunmap);
    if (r) return r;
    throw new CommandError('mremap growth of a non-PFNMAP VMA is not modelled');
  }

  /**
   * v6.17 remap_move: every VMA of [a, a + n) in ascending order, each checked (check_prep_vma)
   * and moved (mremap_to) on its own to the target plus the gap it had after the previous one;
   * the result is where the first went. A hole at the start of the range is EFAULT (the caller's
   * lookup); the range may end in a hole.
   */
  private remapMove(p: number, a: number, n: number, nv: number, dontunmap: boolean): number {
    let res = -EFAULT;
    let moved = false;
    let target = nv;
    let lastEnd = -1;
    for (let vs = this.firstVma(p, a, a + n); vs >= 0; vs = this.firstVma(p, lastEnd, a + n)) {
      const ve = vmaEndOf(this.L, this.s, p, vs);
      const addr = Math.max(vs, a);
      const len = Math.min(a + n, ve) - addr;
      const to = target + (lastEnd < 0 ? 0 : vs - lastEnd);
      lastEnd = ve;
      let r = this.resizeCheck(p, vs, len, addr, len, dontunmap);
      if (r) return r;
      r = this.unmapDestination(p, to, to + len);
      if (r) return r;
      if (this.vmaLookup(p, addr) < 0) return -EFAULT;
      r = this.moveVma(p, addr, len, to);
      if (r < 0) return r;
      if (!moved) res = r;
      moved = true;
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

  /** mremap_to with MREMAP_FIXED: do_munmap of the destination first. */
  protected unmapDestination(p: number, a: number, b: number): number {
    return this.unmapRange(p, a, b);
  }

  /** The cache mode remap_pfn_range fills the PTEs with: the one reserve_pfn_range returned. */
  protected pteModeFor(_requested: number, reserved: number): number {
    return reserved;
  }

  /** move_vma: copy_vma (vm_area_dup), move_page_tables, legacy untrack_pfn_clear, munmap the source. */
  protected moveVma(p: number, a: number, n: number, nv: number): number {
    const vs = vmaStartOf(this.L, this.s, p, a);
    let ret = 0;
    let clearNew = false;
    for (const e of this.vmaFacts(p, vs, V_DUP_MREMAP)) {
      if (e.type === 'ctx_dup') ret = this.ctxDup(ownerOf(this.L, this.s, p, vs));
      else if (e.type === 'untrack_pfn_clear_new') clearNew = true;
    }
    this.f.vmAreaDup(p, a, a + n, 'mremap', p, nv, ret);
    if (ret) return ret;
    if (clearNew) this.f.untrackPfnClear(p, nv, nv + n);
    this.f.movePageTables(p, a, a + n, nv);
    this.runUntrackHooks(p, vs, this.vmaFacts(p, vs, V_MOVE_SOURCE));
    this.unmapRange(p, a, a + n);
    return addrOf(this.u, nv);
  }

  /** fork: copy_process → dup_mmap (kernel-facts Q3); any failure is -ENOMEM (copy_mm). */
  private fork(p: number, fault: 'copy_page_range' | 'track_pfn_copy' | undefined, faultVma: number): number {
    const L = this.L;
    const child = freeProc(L, this.s);
    const err = this.syscallCheck(syscallIndex.fork(child < 0));
    if (err !== null) return err;
    this.f.copyProcess(p, child);
    const linked: number[] = [];
    let failed = false;
    let index = 0;
    for (let vs = this.nextVma(p, 0); vs >= 0; vs = this.nextVma(p, vmaEndOf(L, this.s, p, vs))) {
      const ve = vmaEndOf(L, this.s, p, vs);
      if (vflags(L, this.s, p, vs) & VF_DONTCOPY) continue;
      const thisIndex = index++;
      // vm_area_dup
      let dupRet = 0;
      let clearNew = false;
      let copySrc = false;
      let copyDst = false;
      for (const e of this.vmaFacts(p, vs, V_DUP_FORK)) {
        if (e.type === 'ctx_dup') dupRet = this.ctxDup(ownerOf(L, this.s, p, vs));
        else if (e.type === 'untrack_pfn_clear_new') clearNew = true;
        else if (e.type === 'track_pfn_copy_src') copySrc = true;
        else if (e.type === 'track_pfn_copy_dst') copyDst = true;
      }
      this.f.vmAreaDup(p, vs, ve, 'fork', child, vs, dupRet);
      if (dupRet) {
        failed = true; // tmp never linked
        break;
      }
      linked.push(vs);
      if (clearNew) this.f.untrackPfnClear(child, vs, ve);
      // copy_page_range: legacy track_pfn_copy first
      let copiedPfn = -1;
      if (copySrc || copyDst) {
        const r = this.trackPfnCopy(p, vs, ve, child, fault === 'track_pfn_copy' && faultVma === thisIndex);
        if (r < 0) {
          this.f.copyPageRange(p, vs, ve, child, r);
          failed = true;
          break;
        }
        copiedPfn = r === NO_RESERVATION ? -1 : r;
      }
      if (fault === 'copy_page_range' && faultVma === thisIndex) {
        this.f.copyPageRange(p, vs, ve, child, -ENOMEM);
        this.runUntrackHooks(child, vs, this.vmaFacts(child, vs, V_COPY_FAILED), copiedPfn);
        failed = true;
        break;
      }
      this.f.copyPageRange(p, vs, ve, child, 0);
    }
    if (failed) {
      // the child mm is torn down: every child VMA linked so far (exit_mmap)
      this.teardown(child, linked);
      this.f.mmput(child);
      return -ENOMEM;
    }
    return child + 1;
  }

  /**
   * Legacy track_pfn_copy: get_pat_info(src, with prot), then a strict reservation of the
   * source's size for the child; on success VM_PAT on the child with a new lineage.
   * Returns the pfn reserved (untrack_pfn_copy needs it) or an error.
   */
  private trackPfnCopy(p: number, vs: number, ve: number, child: number, injectFail: boolean): number {
    const info = this.patInfo(p, vs, true);
    if (info.type === 'pat_info_failed') {
      if (info.warn) this.f.warn(WARN_GET_PAT_INFO);
      this.f.trackPfnCopy(p, vs, child, info.ret as number);
      return info.ret as number;
    }
    if (info.source === 'anon') {
      // RAM: reserve_pfn_range makes no reservation (§1.7); the child keeps VM_PAT as copied,
      // and a later untrack_pfn_copy frees RAM, a no-op (NO_RESERVATION)
      this.f.trackPfnCopy(p, vs, child, 0);
      return NO_RESERVATION;
    }
    if (injectFail) {
      this.f.trackPfnCopy(p, vs, child, -ENOMEM); // memtype_reserve's allocation fails
      return -ENOMEM;
    }
    const pte = pteOf(this.L, this.s, p, vs);
    const pfn = ptePfn(pte);
    const lineage = this.newLineage();
    const r = this.reserve(pfn, pfn + (ve - vs), pteMode(pte), true, 0, lineage);
    this.f.trackPfnCopy(p, vs, child, r);
    if (r !== 0) return r;
    this.f.vmPatSet(child, vs, ve, lineage);
    return pfn;
  }

  /** do_exit → exit_mm → mmput → exit_mmap (kernel-facts Q8). */
  private exit(p: number): number {
    const err = this.syscallCheck(syscallIndex.exit());
    if (err !== null) return err;
    this.teardown(p, this.vmaStartsIn(p, 0, this.L.V));
    this.f.mmput(p);
    return 0;
  }

  /** A write fault: do_wp_page → wp_page_copy on a COW PFNMAP VMA (kernel-facts Q11). */
  private writeFault(p: number, addr: number): number {
    const v = Math.floor(this.page(addr));
    if (v < 0 || v >= this.L.V || !this.inVma(p, v)) return this.signal('SIGSEGV');
    const flags = vflags(this.L, this.s, p, v);
    if ((flags & VF_WRITE) === 0) return this.signal('SIGSEGV');
    const pte = pteOf(this.L, this.s, p, v);
    if (pte === 0) return this.signal('SIGBUS'); // /dev/mem has no fault handler
    if (flags & VF_SHARED || pte & PTE_ANON) return 0;
    this.f.wpPageCopy(p, v);
    return 0;
  }
  private signal(sig: 'SIGBUS' | 'SIGSEGV'): number {
    this.lastSignal = sig;
    return 0;
  }

  /** A driver's fault handler: vmf_insert_pfn with pfnmap_setup_cachemode_pfn (lookup only, §3.6). */
  private vmfInsertPfn(p: number, addr: number): number {
    const v = Math.floor(this.page(addr));
    if (v < 0 || v >= this.L.V || !this.inVma(p, v)) return this.signal('SIGSEGV');
    const flags = vflags(this.L, this.s, p, v);
    if ((flags & VF_DRIVER) === 0 || (flags & VF_PFNMAP) === 0) return this.signal('SIGBUS');
    if (pteOf(this.L, this.s, p, v) !== 0) return 0;
    const pfn = pgoffOf(this.L, this.s, p, v);
    if (!this.coveredByIoremap(pfn, 1)) return this.signal('SIGBUS');
    const mode = this.lookupMemtype(pfn);
    this.f.pfnmapSetupCachemode(pfn, 1, 0, mode);
    this.f.setPteRange(p, v, v + 1, pfn, mode);
    return 0;
  }

  /** zap_vma_ptes: only inside one VM_PFNMAP VMA, else nothing (void in the kernel). */
  private zapVmaPtes(p: number, addr: number, len: number): number {
    const a = this.page(addr);
    const b = a + PAGE_ALIGN(len);
    if (!pageAligned(addr) || a < 0 || b > this.L.V || a >= b || !this.inVma(p, a)) return 0;
    const vs = vmaStartOf(this.L, this.s, p, a);
    if (b > vmaEndOf(this.L, this.s, p, vs) || (vflags(this.L, this.s, p, vs) & VF_PFNMAP) === 0) return 0;
    this.zapRange(p, vs, a, b);
    return 0;
  }

  /** unmap_mapping_range over /dev/mem's iomem mapping: every /dev/mem VMA mapping the range. */
  private unmapMappingRange(pfn: number, n: number): number {
    const i0 = this.frame(pfn, n);
    const i1 = i0 + n;
    for (let p = 0; p < this.L.P; p++) {
      if (!isAlive(this.L, this.s, p)) continue;
      for (let vs = this.nextVma(p, 0); vs >= 0; vs = this.nextVma(p, vmaEndOf(this.L, this.s, p, vs))) {
        const ve = vmaEndOf(this.L, this.s, p, vs);
        if (vflags(this.L, this.s, p, vs) & VF_DRIVER) continue;
        const pg = pgoffOf(this.L, this.s, p, vs);
        const a = Math.max(vs, vs + (i0 - pg));
        const b = Math.min(ve, vs + (i1 - pg));
        if (a < b) this.zapRange(p, vs, a, b);
      }
    }
    return 0;
  }

  /** memremap_pages → pagemap_range → pfnmap_track(pfn, size, PAGE_KERNEL) (§3.6). */
  private memremapPages(pfn: number, n: number): number {
    const i = this.frame(pfn, n);
    const k = freeKernelSlot(this.L, this.s);
    if (k < 0) return -ENOMEM;
    this.f.pfnmapTrack(i, n, WB);
    const r = this.reserve(i, i + n, WB, false, 0, OWNER_KERNEL + k);
    if (r !== 0) return r;
    this.f.kernelMap(k, KERNEL_MEMREMAP, i, n, this.resMode);
    return 0;
  }

  /** ioremap_* → __ioremap_caller: memtype_reserve, refused when !is_new_memtype_allowed (§1.8). */
  private ioremap(pfn: number, n: number, mode: number): number {
    const i = this.frame(pfn, n);
    const k = freeKernelSlot(this.L, this.s);
    if (k < 0) return -ENOMEM;
    const r = this.reserve(i, i + n, mode, false, 1, OWNER_KERNEL + k);
    if (r !== 0) return r;
    this.f.kernelMap(k, KERNEL_IOREMAP, i, n, this.resMode);
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
    if (kind === KERNEL_IOREMAP) {
      // driver unbind: unmap_mapping_range over the driver's user mappings, then iounmap
      for (let p = 0; p < this.L.P; p++) {
        if (!isAlive(this.L, this.s, p)) continue;
        for (let vs = this.nextVma(p, 0); vs >= 0; vs = this.nextVma(p, vmaEndOf(this.L, this.s, p, vs))) {
          const ve = vmaEndOf(this.L, this.s, p, vs);
          if (!(vflags(this.L, this.s, p, vs) & VF_DRIVER)) continue;
          const pg = pgoffOf(this.L, this.s, p, vs);
          const a = Math.max(vs, vs + (pfn - pg));
          const b = Math.min(ve, vs + (pfn + n - pg));
          if (a < b) this.zapRange(p, vs, a, b);
        }
      }
    }
    if (kind === KERNEL_MEMREMAP) this.f.pfnmapUntrack(pfn, n);
    this.free(pfn, pfn + n, OWNER_KERNEL + k);
    this.f.kernelUnmap(k, kind);
    return 0;
  }
}
