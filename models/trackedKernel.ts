/**
 * The kernel executor specialised to the `tracked` design (v6.16 `struct pfnmap_track_ctx`,
 * reference §3) for the checker's most frequent commands: munmap, mprotect, exit, and mmap of
 * /dev/mem.
 * They run here as straight-line code over the state bytes, with every decision the machines
 * make resolved once, at construction, from the compiled tables (tables.ts):
 *
 * - syscallMachine: the argument checks of an aligned, non-empty munmap / mprotect, of exit
 *   and of an mmap that finds a gap must `proceed`;
 * - vmaMachine, tracked VMA: `__split_vma` runs `vma_pfnmap_track_ctx_dup` (ctx_dup),
 *   `unmap_single_vma` no untrack hook, `vm_area_free` a kref_put (ctx_put); an untracked
 *   VMA remapped whole by `remap_pfn_range` allocates a ctx (`pfnmap_track_ctx_alloc`);
 * - krefMachine, per count 1..REFCOUNT_MAX: what a dup leaves (or that `vm_area_dup` refuses
 *   it, -ENOMEM), what a put leaves, and where it releases the ctx
 *   (`pfnmap_track_ctx_release`: `pfnmap_untrack` of the ctx's range, then kfree);
 * - memtypeMachine: `memtype_free` removes an exact match and is an invalid free otherwise;
 *   `memtype_reserve`, per overlap class and requested type, which reservations are granted
 *   and with what type (a refusal runs the general executor).
 *
 * Each table edge the general executor (kernel.ts) would take is counted on the same hit
 * counter, so coverage is unchanged. Anything else runs the general executor: another
 * command, an injected fault, a call its argument checks refuse, a log attached (replay and
 * counterexamples: the facts are wanted), a VMA without a ctx or whose ctx is released or has
 * fewer references than VMAs being freed (states a mutant may build; the general executor
 * warns there), and every command at all if the tables do not have the shape above.
 * test/models/trackedKernel.test.ts runs both executors on every command in random states of
 * several configs and requires the same bytes, return value, notes and edge hits.
 *
 * It writes with the reducer's ops (src/reducer/ops.ts), as the fact sink does, without the
 * sink (the checker attaches no log). The order of operations is the general executor's,
 * which cites the kernel: splits at the range's start, then its end (the first kept when the
 * second is refused); the PTEs of every VMA zapped, then the VMAs freed in ascending order,
 * each `vm_area_free` putting its ctx reference (kernel-facts Q5, Q8); mprotect's walk as
 * `do_mprotect_pkey` (Q6); mmap as `mmap_region` then `mmap_mem`'s `remap_pfn_range`, with
 * `pfnmap_track` before the ctx's kmalloc (Q1).
 */
import type { Command } from '../src/events/commands.ts';
import type { Facts } from '../src/reducer/facts.ts';
import type { Design } from '../src/state/design.ts';
import { freeCtxId, pteOf, vmaEndOf, vmaStartOf } from '../src/state/access.ts';
import { EACCES, ENOMEM } from '../src/state/errno.ts';
import { addrOf, frameOf, slotOf } from '../src/state/geometry.ts';
import {
  opCreateVma,
  opCtxAlloc,
  opCtxFree,
  opCtxKref,
  opInvalidFree,
  opModFlags,
  opProcAlive,
  opRemoveVma,
  opSetOwner,
  opSetPte,
  opSplit,
  opTreeInsert,
  opTreeRemove,
} from '../src/reducer/ops.ts';
import { modeIndex } from '../src/state/cacheMode.ts';
import {
  VF_IN_VMA,
  VF_PFNMAP,
  VF_READ,
  VF_SHARED,
  VF_START,
  VF_WRITE,
  ctxOff,
  pageOff,
  procOff,
  protFlags,
} from '../src/state/layout.ts';
import { PAGE_SIZE, pageAligned, type Universe } from '../src/state/universe.ts';
import { Kernel, NOTE_DUP_REFUSED, matchEnd, matchExact, memtypeFreeMatch, memtypeOverlap, topDownGap } from './kernel.ts';
import { KREF_DUP, KREF_PUT } from './krefMachine.ts';
import { RESERVE_COUNT, freeIndex, reserveIndex } from './memtypeMachine.ts';
import { syscallIndex } from './syscallMachine.ts';
import type { Tables } from './tables.ts';
import { V_DUP_SPLIT, V_FREE, V_REMAP_WHOLE, V_UNMAP } from './vmaMachine.ts';

/** The fast path did not run the command: nothing was written, the general executor runs it. */
const DECLINED = 1;
const FAST_MUNMAP = 1;
const FAST_MPROTECT = 2;
const FAST_EXIT = 3;
const FAST_MMAP = 4;

const factTypes = (facts: readonly { readonly type: string }[]): string => facts.map((e) => e.type).join(',');

export class TrackedKernel extends Kernel {
  /** null when the tables have the shape the fast path resolves; else the first table found in another shape, in a few words (the report shows it) */
  readonly declined: string | null;
  /** the fast path runs (else every command runs the general executor) */
  get specialised(): boolean {
    return this.declined === null;
  }
  /** commands the fast path ran (tests: it is not bypassed) */
  fastSteps = 0;
  /** per kref count k: the count a dup leaves (-1: refused); the count a put leaves (0: released) */
  private readonly dupTo: Int32Array;
  private readonly putTo: Int32Array;
  /** hit-counter indices of the edges taken */
  private readonly hitMunmap: number;
  private readonly hitMprotect: number;
  private readonly hitExit: number;
  private readonly hitMmap: number;
  private readonly hitRemap: number;
  /** per memtype_reserve edge: the type a plain grant gives (-1: refused, or more than a grant) */
  private readonly granted: Int8Array;
  private readonly uncachedMtrr: boolean;
  private readonly hitSplit: number;
  private readonly hitUnmap: number;
  private readonly hitFree: number;
  private readonly krefHit: Int32Array;
  private readonly krefA: number;
  /** allTracked's count of VMAs per ctx id */
  private readonly pieces: Int32Array;

  constructor(u: Universe, design: Design, tables?: Tables) {
    super(u, design, tables);
    const T = this.T;
    const R = u.refcountMax;
    this.pieces = new Int32Array(this.L.C + 1);
    this.dupTo = new Int32Array(R + 1).fill(-2);
    this.putTo = new Int32Array(R + 1).fill(-2);
    this.krefA = T.kref.alphabet.length;
    this.krefHit = Int32Array.from(T.krefState, (st) => st * this.krefA);
    let declined: string | null = null;
    /** the first shape the fast path does not resolve declines it */
    const need = (holds: boolean, what: string): void => {
      if (!holds && declined === null) declined = what;
    };
    need(design.kind === 'tracked', `design ${design.name} is not tracked`);
    for (let k = 1; k <= R && declined === null; k++) {
      const dup = T.kref.edges[this.krefHit[k] + KREF_DUP].emitted;
      if (factTypes(dup) === 'kref_get') this.dupTo[k] = dup[0].kref as number;
      else if (factTypes(dup) === 'vm_area_dup_refused' && dup[0].ret === -ENOMEM) this.dupTo[k] = -1;
      else need(false, `krefMachine: a dup at count ${k} emits ${factTypes(dup) || 'nothing'}`);
      const put = T.kref.edges[this.krefHit[k] + KREF_PUT].emitted;
      if (factTypes(put) === 'kref_put' && (put[0].kref as number) > 0) this.putTo[k] = put[0].kref as number;
      else if (factTypes(put) === 'kref_put,pfnmap_track_ctx_release' && put[0].kref === 0) this.putTo[k] = 0;
      else need(false, `krefMachine: a put at count ${k} emits ${factTypes(put) || 'nothing'}`);
    }
    const VA = T.vma.alphabet.length;
    const vmaEdge = (ev: number): number => T.vmaTracked * VA + ev;
    need(factTypes(T.vma.edges[vmaEdge(V_DUP_SPLIT)].emitted) === 'ctx_dup', 'vmaMachine: a tracked VMA\'s split does not emit ctx_dup alone');
    need(factTypes(T.vma.edges[vmaEdge(V_UNMAP)].emitted) === '', 'vmaMachine: a tracked VMA\'s unmap emits facts');
    need(factTypes(T.vma.edges[vmaEdge(V_FREE)].emitted) === 'ctx_put', 'vmaMachine: a tracked VMA\'s free does not emit ctx_put alone');
    this.hitSplit = vmaEdge(V_DUP_SPLIT);
    this.hitUnmap = vmaEdge(V_UNMAP);
    this.hitFree = vmaEdge(V_FREE);
    // memtype_free: exact match removed, anything else an invalid free (no END rule)
    for (const exact of [false, true])
      for (const end of [false, true])
        need(T.memtype.edges[freeIndex(exact, end, false)].emitted[0].match === (exact ? 'exact' : 'none'), 'memtypeMachine: memtype_free matches other than exactly');
    // remap_pfn_range of a new (untracked) VMA, whole: a ctx, then memtype_reserve
    this.hitRemap = T.vmaUntracked * VA + V_REMAP_WHOLE;
    need(factTypes(T.vma.edges[this.hitRemap].emitted) === 'pfnmap_track_ctx_alloc', 'vmaMachine: remapping a new VMA whole does not allocate a ctx alone');
    this.granted = new Int8Array(RESERVE_COUNT).fill(-1);
    for (let i = 0; i < RESERVE_COUNT; i++) {
      const e = T.memtype.edges[i].emitted;
      if (factTypes(e) === 'memtype_reserve,reserve_result' && e[0].ret === 0 && e[1].ret === 0 && e[0].newType === e[1].cacheMode) this.granted[i] = e[0].newType as number;
    }
    this.uncachedMtrr = u.mtrr !== 'WB';
    this.hitMmap = syscallIndex.mmap(false, false, false);
    this.hitMunmap = syscallIndex.munmap(false, false);
    this.hitMprotect = syscallIndex.mprotect(false, false);
    this.hitExit = syscallIndex.exit();
    for (const [i, name] of [
      [this.hitMunmap, 'munmap'],
      [this.hitMprotect, 'mprotect'],
      [this.hitExit, 'exit'],
      [this.hitMmap, 'mmap'],
    ] as const)
      need(T.syscall.edges[i].emitted[0].type === 'proceed', `syscallMachine: a plain ${name} does not proceed`);
    this.declined = declined;
  }

  /** per prepared command: FAST_ kind (0: the general executor), address space, page range, protection */
  private fastKind = new Uint8Array(0);
  private fastP = new Int32Array(0);
  private fastA = new Int32Array(0);
  private fastB = new Int32Array(0);
  private fastProt = new Int32Array(0);

  /** Decode the commands once: which the fast path may take, with what arguments. */
  override prepare(cmds: readonly Command[]): void {
    super.prepare(cmds);
    const n = cmds.length;
    this.fastKind = new Uint8Array(n);
    this.fastP = new Int32Array(n);
    this.fastA = new Int32Array(n);
    this.fastB = new Int32Array(n);
    this.fastProt = new Int32Array(n);
    if (!this.specialised) return;
    cmds.forEach((cmd, i) => {
      if (cmd.kind === 'mmap') {
        // /dev/mem (mmap_mem), placed by get_unmapped_area, no injected fault; its frames inside the universe
        const p = slotOf(this.u, cmd.pid);
        const n = Math.ceil(cmd.len / PAGE_SIZE);
        const f = frameOf(this.u, cmd.pfn);
        if (p < 0 || cmd.fixedAddr !== undefined || cmd.driver !== undefined || cmd.fault !== undefined || n <= 0 || f < 0 || f + n > this.u.pfns) return;
        this.fastKind[i] = FAST_MMAP;
        this.fastP[i] = p;
        this.fastA[i] = f;
        this.fastB[i] = n;
        // the protection field carries the request: the mode, and MAP_SHARED
        this.fastProt[i] = modeIndex(cmd.cacheMode) * 2 + (cmd.shared ? 1 : 0);
        return;
      }
      if (cmd.kind !== 'munmap' && cmd.kind !== 'mprotect' && cmd.kind !== 'exit') return;
      const p = slotOf(this.u, cmd.pid);
      if (p < 0) return;
      this.fastP[i] = p;
      if (cmd.kind === 'exit') {
        this.fastKind[i] = FAST_EXIT;
        this.fastB[i] = this.L.V;
        return;
      }
      // past the argument checks (aligned, non-empty), inside the universe, no injected fault
      if (cmd.fault !== undefined || !pageAligned(cmd.addr) || cmd.len <= 0) return;
      const a = cmd.addr / PAGE_SIZE - this.u.vaBasePage;
      const b = a + Math.ceil(cmd.len / PAGE_SIZE);
      if (a < 0 || b > this.L.V) return;
      this.fastKind[i] = cmd.kind === 'munmap' ? FAST_MUNMAP : FAST_MPROTECT;
      this.fastA[i] = a;
      this.fastB[i] = b;
      if (cmd.kind === 'mprotect') this.fastProt[i] = protFlags(cmd.prot);
    });
  }

  override stepAction(f: Facts, i: number): number {
    const kind = this.fastKind[i];
    if (kind !== 0 && f.log === null) {
      const r = this.fast(f.s as Uint8Array, kind, this.fastP[i], this.fastA[i], this.fastB[i], this.fastProt[i]);
      if (r !== DECLINED) {
        this.fastSteps++;
        this.lastSignal = undefined;
        return r;
      }
    }
    return this.step(f, this.actionCmds[i]);
  }

  private fast(s: Uint8Array, kind: number, p: number, a: number, b: number, prot: number): number {
    if (s[procOff(this.L, p)] !== 1) return DECLINED;
    if (kind === FAST_MMAP) return this.mmapDevmem(s, p, a, b, prot >> 1, (prot & 1) !== 0);
    if (kind === FAST_MPROTECT) {
      if (!this.allTracked(s, p, a, b, false)) return DECLINED;
      this.T.syscall.hits[this.hitMprotect]++;
      return this.mprotectRange(s, p, a, b, prot);
    }
    if (!this.allTracked(s, p, a, b, true)) return DECLINED;
    if (kind === FAST_MUNMAP) {
      this.T.syscall.hits[this.hitMunmap]++;
      return this.munmapRange(s, p, a, b);
    }
    this.T.syscall.hits[this.hitExit]++;
    this.unmapWhole(s, p, 0, this.L.V);
    opProcAlive(this.L, s, p, false); // mmput
    return 0;
  }

  /**
   * Every VMA with a page in [a, b) has a live ctx; with puts, each ctx has at least as many
   * references as it has VMAs with a page in the range (each is put once).
   */
  private allTracked(s: Uint8Array, p: number, a: number, b: number, puts: boolean): boolean {
    const L = this.L;
    const base = pageOff(L, p, 0);
    const pieces = this.pieces;
    let ok = true;
    for (let v = a; v < b && ok; v++) {
      const f = s[base + 4 * v];
      if ((f & VF_IN_VMA) === 0) continue;
      const c = s[base + 4 * v + 2];
      const co = ctxOff(L, c);
      if (c === 0 || s[co + 1] === 0 || s[co + 2] === 0) ok = false;
      else if (puts && (v === a || (f & VF_START) !== 0)) ok = ++pieces[c] <= s[co + 2];
    }
    if (puts) pieces.fill(0);
    return ok;
  }

  /** __split_vma at page `at` (inside a VMA, not its start): the ctx dup first; 0 or -ENOMEM (nothing changed). */
  private dupSplit(s: Uint8Array, p: number, at: number): number {
    const T = this.T;
    const c = s[pageOff(this.L, p, at) + 2];
    const k = s[ctxOff(this.L, c) + 2];
    T.vma.hits[this.hitSplit]++;
    T.kref.hits[this.krefHit[k] + KREF_DUP]++;
    const to = this.dupTo[k];
    if (to < 0) {
      this.notes[NOTE_DUP_REFUSED]++;
      return -ENOMEM;
    }
    opCtxKref(this.L, s, c, to);
    opSplit(this.L, s, p, at);
    return 0;
  }

  /** Split at a, then at b, where a VMA runs across (splitEdges); 0 or the refusal. */
  private dupSplitEdges(s: Uint8Array, p: number, a: number, b: number): number {
    const base = pageOff(this.L, p, 0);
    if (a > 0 && a < this.L.V && (s[base + 4 * a] & (VF_IN_VMA | VF_START)) === VF_IN_VMA) {
      const r = this.dupSplit(s, p, a);
      if (r) return r;
    }
    if (b > 0 && b < this.L.V && (s[base + 4 * b] & (VF_IN_VMA | VF_START)) === VF_IN_VMA) return this.dupSplit(s, p, b);
    return 0;
  }

  /** do_vmi_munmap of [a, b): splits, then unmap_vmas and vm_area_free of the VMAs inside. */
  private munmapRange(s: Uint8Array, p: number, a: number, b: number): number {
    const base = pageOff(this.L, p, 0);
    let any = false;
    for (let v = a; v < b && !any; v++) any = (s[base + 4 * v] & VF_IN_VMA) !== 0;
    if (!any) return 0;
    const r = this.dupSplitEdges(s, p, a, b);
    if (r) return r;
    this.unmapWhole(s, p, a, b);
    return 0;
  }

  /** [a, b) made of whole VMAs: zap every VMA's PTEs, then free the VMAs in ascending order. */
  private unmapWhole(s: Uint8Array, p: number, a: number, b: number): void {
    const L = this.L;
    const T = this.T;
    const base = pageOff(L, p, 0);
    for (let v = a; v < b; v++) {
      const f = s[base + 4 * v];
      if ((f & VF_IN_VMA) === 0) continue;
      if (f & VF_START) T.vma.hits[this.hitUnmap]++;
      opSetPte(L, s, p, v, 0);
    }
    for (let v = a; v < b; ) {
      if ((s[base + 4 * v] & VF_IN_VMA) === 0) {
        v++;
        continue;
      }
      const c = s[base + 4 * v + 2];
      const e = vmaEndOf(L, s, p, v);
      opRemoveVma(L, s, p, v, e);
      T.vma.hits[this.hitFree]++;
      this.putCtx(s, c);
      v = e;
    }
  }

  /** kref_put; at zero pfnmap_track_ctx_release: memtype_free of the ctx's whole range, kfree. */
  private putCtx(s: Uint8Array, c: number): void {
    const L = this.L;
    const T = this.T;
    const co = ctxOff(L, c);
    const k = s[co + 2];
    T.kref.hits[this.krefHit[k] + KREF_PUT]++;
    const to = this.putTo[k];
    if (to > 0) {
      opCtxKref(L, s, c, to);
      return;
    }
    const start = s[co];
    const end = start + s[co + 1];
    const m = memtypeFreeMatch(L, s, start, end, c);
    const exact = matchExact(m);
    T.memtype.hits[freeIndex(exact >= 0, matchEnd(m) >= 0, false)]++;
    if (exact >= 0) opTreeRemove(L, s, exact);
    else opInvalidFree(s, start, end); // "freeing invalid memtype"
    opCtxFree(L, s, c);
  }

  /**
   * mmap of n pages of /dev/mem at frame i (kernel.ts mmap, remapPfnRange): get_unmapped_area
   * top-down, mmap_region, then mmap_mem's remap_pfn_range over the whole VMA: a ctx id,
   * memtype_reserve (pfnmap_track), the ctx, VM_PFNMAP, the PTEs with the granted type, the
   * ctx attached. Declined when there is no gap, a PTE is present, no ctx id is free, or the
   * reservation is not a plain grant.
   */
  private mmapDevmem(s: Uint8Array, p: number, i: number, n: number, req: number, shared: boolean): number {
    const L = this.L;
    const T = this.T;
    const v = topDownGap(L, s, p, n);
    if (v < 0) return DECLINED;
    for (let j = v; j < v + n; j++) if (pteOf(L, s, p, j) !== 0) return DECLINED;
    const c = freeCtxId(L, s);
    if (c === 0) return DECLINED;
    const o = memtypeOverlap(L, s, i, i + n);
    const edge = reserveIndex(req, this.uncachedMtrr, o & 3, o >>> 2, false, 0);
    const mode = this.granted[edge];
    if (mode < 0) return DECLINED;
    T.syscall.hits[this.hitMmap]++;
    opCreateVma(L, s, p, v, v + n, shared ? VF_SHARED | VF_READ : VF_READ | VF_WRITE, i, 0);
    T.vma.hits[this.hitRemap]++;
    T.memtype.hits[edge]++;
    opTreeInsert(L, s, i, i + n, mode, c); // a full tree marks the bound, as the fact sink's reserve does
    opCtxAlloc(L, s, c, i, n);
    opModFlags(L, s, p, v, v + n, VF_PFNMAP, 0);
    for (let j = 0; j < n; j++) opSetPte(L, s, p, v + j, (i + j + 1) | (mode << 4));
    opSetOwner(L, s, p, v, v + n, c);
    return addrOf(this.u, v);
  }

  /** do_mprotect_pkey over [a, b) (kernel.ts mprotect). */
  private mprotectRange(s: Uint8Array, p: number, a: number, b: number, prot: number): number {
    const V = this.L.V;
    const base = pageOff(this.L, p, 0);
    if ((s[base + 4 * a] & VF_IN_VMA) === 0) return -ENOMEM; // a hole at the start
    let tmp = a;
    let vs = vmaStartOf(this.L, s, p, a);
    while (vs >= 0 && vs < b) {
      if (vs > tmp) return -ENOMEM; // a hole in the middle: what was changed stays
      const ve = vmaEndOf(this.L, s, p, vs);
      const flags = s[base + 4 * vs];
      if (prot & VF_WRITE && flags & VF_SHARED) return -EACCES;
      const pa = Math.max(a, vs);
      const pb = Math.min(b, ve);
      if ((flags & (VF_READ | VF_WRITE)) !== prot) {
        const r = this.dupSplitEdges(s, p, pa, pb);
        if (r) return r;
        opModFlags(this.L, s, p, pa, pb, prot & ~flags, flags & (VF_READ | VF_WRITE) & ~prot);
      }
      tmp = pb;
      vs = -1;
      for (let v = pb; v < V; v++)
        if (s[base + 4 * v] & VF_IN_VMA) {
          vs = v;
          break;
        }
    }
    return tmp < b ? -ENOMEM : 0;
  }
}

/** What ran the checker's commands, for its result: the executor, and why the specialised one declined where it did. */
export const executorOf = (k: Kernel): Executor =>
  !(k instanceof TrackedKernel) ? { kind: 'general' } : k.declined === null ? { kind: 'specialised (tracked)' } : { kind: 'general', declined: k.declined };

/** The result's record of the executor (`declined`: the tracked fast path was asked and said no, and why). */
export interface Executor {
  readonly kind: 'specialised (tracked)' | 'general';
  readonly declined?: string;
}

/** The executor the checker runs for a design: specialised for `tracked`, the general one otherwise. */
export const kernelFor = (u: Universe, design: Design, tables?: Tables): Kernel =>
  design.kind === 'tracked' ? new TrackedKernel(u, design, tables) : new Kernel(u, design, tables);
