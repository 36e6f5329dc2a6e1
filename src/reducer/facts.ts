/**
 * The fact sink: how the kernel executor (models/kernel.ts) emits facts. Each method applies
 * the fact's effect through the reducer's ops (ops.ts) on the state it targets and, when a log
 * is attached, appends the fact as an immutable event in kernel units. The checker runs with
 * no log, so successor generation allocates no event objects; replay, simulation and
 * counterexamples run with one, and `reduce()` over that log must land on the same bytes
 * (test/reducer/reduce.test.ts).
 */
import type { Command } from '../events/commands.ts';
import type { Event, Owner, VmFlag } from '../events/codecs.ts';
import type { Bytes } from '../state/access.ts';
import { modeName } from '../state/cacheMode.ts';
import { addrOf, paddrOf, pfnOf, pidOf } from '../state/geometry.ts';
import {
  OWNER_KERNEL,
  PTE_ANON,
  VF_DRIVER,
  VF_SHARED,
  VF_START,
  pageOff,
  VF_DONTCOPY,
  VF_PFNMAP,
  VF_READ,
  VF_WRITE,
  WARN_KINDS,
  type Layout,
} from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import * as op from './ops.ts';

export type OwnerKind = 'ctx' | 'lineage';

export const flagNames = (bits: number): VmFlag[] => {
  const out: VmFlag[] = [];
  if (bits & VF_PFNMAP) out.push('VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP');
  if (bits & VF_DONTCOPY) out.push('VM_DONTCOPY');
  if (bits & VF_READ) out.push('VM_READ');
  if (bits & VF_WRITE) out.push('VM_WRITE');
  return out;
};

export class Facts {
  s: Bytes;
  log: Event[] | null;
  constructor(
    readonly u: Universe,
    readonly L: Layout,
    readonly ownerKind: OwnerKind,
    s: Bytes,
    log: Event[] | null = null,
  ) {
    this.s = s;
    this.log = log;
  }

  private owner(o: number): Owner {
    return o >= OWNER_KERNEL ? { kernel: o - OWNER_KERNEL + 1 } : this.ownerKind === 'ctx' ? { ctx: o } : { lineage: o };
  }
  private a(v: number): number {
    return addrOf(this.u, v);
  }

  // --- step markers ---
  /** Reserve the slot of the event that opens the step; its result is known only at the end. */
  beginStep(): number {
    if (!this.log) return -1;
    this.log.push({ type: 'kernel_call', cmd: { kind: 'iounmap', handle: 0 }, ret: 0 });
    return this.log.length - 1;
  }
  /** The step's opening event: `syscall` for an address space's command (p >= 0), else `kernel_call`. */
  endStep(slot: number, p: number, cmd: Command, ret: number, signal?: 'SIGBUS' | 'SIGSEGV'): void {
    if (!this.log) return;
    this.log[slot] =
      p < 0
        ? { type: 'kernel_call', cmd, ret }
        : signal
          ? { type: 'syscall', pid: pidOf(p), cmd, ret, signal }
          : { type: 'syscall', pid: pidOf(p), cmd, ret };
  }

  // --- VMAs ---
  mmapRegion(p: number, v0: number, v1: number, pgoff: number, flags: number): void {
    op.opCreateVma(this.L, this.s, p, v0, v1, flags, pgoff, 0);
    if (this.log) {
      const prot = flags & VF_WRITE ? 'PROT_READ|PROT_WRITE' : flags & VF_READ ? 'PROT_READ' : 'PROT_NONE';
      this.log.push({
        type: 'mmap_region',
        pid: pidOf(p),
        addr: this.a(v0),
        nrPages: v1 - v0,
        pgoff: pfnOf(this.u, pgoff),
        shared: (flags & VF_SHARED) !== 0,
        driver: (flags & VF_DRIVER) !== 0,
        prot,
      });
    }
  }
  vmFlagsSet(p: number, v0: number, v1: number, bits: number): void {
    op.opModFlags(this.L, this.s, p, v0, v1, bits, 0);
    if (this.log) this.log.push({ type: 'vm_flags_set', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, flags: flagNames(bits) });
  }
  vmFlagsClear(p: number, v0: number, v1: number, bits: number): void {
    op.opModFlags(this.L, this.s, p, v0, v1, 0, bits);
    if (this.log) this.log.push({ type: 'vm_flags_clear', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, flags: flagNames(bits) });
  }
  /** legacy: vm_flags_set(vma, VM_PAT), with the ghost lineage the VMA now answers for. */
  vmPatSet(p: number, v0: number, v1: number, lineage: number): void {
    op.opSetOwner(this.L, this.s, p, v0, v1, lineage);
    if (this.log) this.log.push({ type: 'vm_flags_set', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, flags: ['VM_PAT'], lineage });
  }
  /** legacy: vm_flags_clear(vma, VM_PAT) at the end of untrack_pfn. */
  vmPatClear(p: number, v0: number, v1: number): void {
    op.opSetOwner(this.L, this.s, p, v0, v1, 0);
    if (this.log) this.log.push({ type: 'vm_flags_clear', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, flags: ['VM_PAT'] });
  }
  untrackPfnClear(p: number, v0: number, v1: number): void {
    op.opSetOwner(this.L, this.s, p, v0, v1, 0);
    if (this.log) this.log.push({ type: 'untrack_pfn_clear', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0 });
  }
  /** vm_area_dup of [v0, v1) of a VMA of p into dp at dv0 (split when p = dp and v0 = dv0). */
  vmAreaDup(p: number, v0: number, v1: number, reason: 'split' | 'mremap' | 'fork', dp: number, dv0: number, ret: number): void {
    if (ret === 0) {
      if (reason === 'split') {
        // the boundary is where the new piece meets the rest of the VMA
        const startsVma = (this.s[pageOff(this.L, p, v0)] & VF_START) !== 0;
        op.opSplit(this.L, this.s, p, startsVma ? v1 : v0);
      } else {
        const src = pageOff(this.L, p, v0);
        op.opCreateVma(this.L, this.s, dp, dv0, dv0 + (v1 - v0), this.s[src], this.s[src + 1], this.s[src + 2]);
      }
    }
    if (this.log)
      this.log.push({
        type: 'vm_area_dup',
        pid: pidOf(p),
        addr: this.a(v0),
        nrPages: v1 - v0,
        reason,
        dstPid: pidOf(dp),
        dstAddr: this.a(dv0),
        ret,
      });
  }
  vmAreaFree(p: number, v0: number, v1: number): void {
    op.opRemoveVma(this.L, this.s, p, v0, v1);
    if (this.log) this.log.push({ type: 'vm_area_free', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0 });
  }

  // --- page tables ---
  setPteRange(p: number, v0: number, v1: number, pfn: number, mode: number): void {
    for (let v = v0; v < v1; v++) op.opSetPte(this.L, this.s, p, v, (pfn + (v - v0) + 1) | (mode << 4));
    if (this.log)
      this.log.push({ type: 'set_pte_range', pid: pidOf(p), addr: this.a(v0), pfn: pfnOf(this.u, pfn), nrPages: v1 - v0, cacheMode: modeName(mode) });
  }
  zapPteRange(p: number, v0: number, v1: number): void {
    for (let v = v0; v < v1; v++) op.opSetPte(this.L, this.s, p, v, 0);
    if (this.log) this.log.push({ type: 'zap_pte_range', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0 });
  }
  movePageTables(p: number, v0: number, v1: number, nv0: number): void {
    const L = this.L;
    const s = this.s;
    const n = v1 - v0;
    // source and destination never overlap (mremap_to refuses that), so a copy order is safe
    for (let i = 0; i < n; i++) {
      op.opSetPte(L, s, p, nv0 + i, s[pageOff(L, p, v0 + i) + 3]);
      op.opSetPte(L, s, p, v0 + i, 0);
    }
    if (this.log) this.log.push({ type: 'move_page_tables', pid: pidOf(p), addr: this.a(v0), newAddr: this.a(nv0), nrPages: n });
  }
  copyPageRange(p: number, v0: number, v1: number, dp: number, ret: number): void {
    if (ret === 0) for (let v = v0; v < v1; v++) op.opSetPte(this.L, this.s, dp, v, this.s[pageOff(this.L, p, v) + 3]);
    if (this.log) this.log.push({ type: 'copy_page_range', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, dstPid: pidOf(dp), ret });
  }
  wpPageCopy(p: number, v: number): void {
    op.opSetPte(this.L, this.s, p, v, PTE_ANON);
    if (this.log) this.log.push({ type: 'wp_page_copy', pid: pidOf(p), addr: this.a(v) });
  }

  // --- markers of the remap and tracking hooks ---
  remapPfnRange(p: number, v0: number, n: number, pfn: number, mode: number, whole: boolean): void {
    if (this.log)
      this.log.push({ type: 'remap_pfn_range', pid: pidOf(p), addr: this.a(v0), pfn: pfnOf(this.u, pfn), nrPages: n, cacheMode: modeName(mode), whole });
  }
  remapPfnRangeDone(p: number, v0: number, ret: number): void {
    if (this.log) this.log.push({ type: 'remap_pfn_range_done', pid: pidOf(p), addr: this.a(v0), ret });
  }
  pfnmapTrack(pfn: number, n: number, mode: number): void {
    if (this.log) this.log.push({ type: 'pfnmap_track', pfn: pfnOf(this.u, pfn), nrPages: n, cacheMode: modeName(mode) });
  }
  pfnmapUntrack(pfn: number, n: number): void {
    if (this.log) this.log.push({ type: 'pfnmap_untrack', pfn: pfnOf(this.u, pfn), nrPages: n });
  }
  pfnmapSetupCachemode(pfn: number, n: number, ret: number, mode: number): void {
    if (this.log) this.log.push({ type: 'pfnmap_setup_cachemode', pfn: pfnOf(this.u, pfn), nrPages: n, ret, cacheMode: modeName(mode) });
  }
  trackPfnRemap(p: number, v0: number, pfn: number, n: number, ret: number): void {
    if (this.log) this.log.push({ type: 'track_pfn_remap', pid: pidOf(p), addr: this.a(v0), pfn: pfnOf(this.u, pfn), nrPages: n, ret });
  }
  trackPfnCopy(p: number, v0: number, dp: number, ret: number): void {
    if (this.log) this.log.push({ type: 'track_pfn_copy', pid: pidOf(p), addr: this.a(v0), dstPid: pidOf(dp), ret });
  }
  untrackPfn(p: number, v0: number, n: number, pfn: number | null, ret: number): void {
    if (this.log)
      this.log.push(
        pfn === null
          ? { type: 'untrack_pfn', pid: pidOf(p), addr: this.a(v0), nrPages: n, ret }
          : { type: 'untrack_pfn', pid: pidOf(p), addr: this.a(v0), nrPages: n, pfn: pfnOf(this.u, pfn), ret },
      );
  }
  untrackPfnCopy(p: number, v0: number, pfn: number, n: number): void {
    if (this.log) this.log.push({ type: 'untrack_pfn_copy', pid: pidOf(p), addr: this.a(v0), pfn: pfnOf(this.u, pfn), nrPages: n });
  }

  // --- memtype tree ---
  /** A successful reservation inserts an entry; false when the tree bound was hit. */
  memtypeReserve(start: number, end: number, req: number, got: number, strict: boolean, ret: number, owner: number, printk?: string): boolean {
    let ok = true;
    if (ret === 0) ok = op.opTreeInsert(this.L, this.s, start, end, got, owner);
    if (this.log) {
      const e: Event = {
        type: 'memtype_reserve',
        startPaddr: paddrOf(this.u, start),
        endPaddr: paddrOf(this.u, end),
        reqType: modeName(req),
        newType: modeName(got),
        strict,
        ret,
        owner: this.owner(owner),
      };
      if (printk) e.printk = printk;
      this.log.push(e);
    }
    return ok;
  }
  /** Entry index i removed (exact), shrunk (end), cut (part), or nothing (none: "freeing invalid memtype"). */
  memtypeFree(start: number, end: number, match: 'exact' | 'end' | 'part' | 'none', i: number): void {
    let owner = -1;
    if (match === 'part') {
      owner = this.s[this.L.treeBase + 4 * i + 3];
      op.opTreeCut(this.L, this.s, i, start, end);
    } else if (match === 'exact') {
      owner = this.s[this.L.treeBase + 4 * i + 3];
      op.opTreeRemove(this.L, this.s, i);
    } else if (match === 'end') {
      owner = this.s[this.L.treeBase + 4 * i + 3];
      op.opTreeShrink(this.L, this.s, i, start);
    } else op.opInvalidFree(this.s, start, end);
    if (this.log) {
      const e: Event = {
        type: 'memtype_free',
        startPaddr: paddrOf(this.u, start),
        endPaddr: paddrOf(this.u, end),
        ret: match === 'none' ? -22 : 0,
        match,
      };
      if (owner >= 0) e.owner = this.owner(owner);
      if (match === 'none') e.printk = 'freeing invalid memtype';
      this.log.push(e);
    }
  }

  // --- ctx and kref ---
  ctxAlloc(c: number, pfn: number, n: number): void {
    op.opCtxAlloc(this.L, this.s, c, pfn, n);
    if (this.log) this.log.push({ type: 'pfnmap_track_ctx_alloc', ctxId: c, pfn: pfnOf(this.u, pfn), nrPages: n });
  }
  ctxAttach(p: number, v0: number, v1: number, c: number): void {
    op.opSetOwner(this.L, this.s, p, v0, v1, c);
    if (this.log) this.log.push({ type: 'pfnmap_track_ctx_attach', pid: pidOf(p), addr: this.a(v0), nrPages: v1 - v0, ctxId: c });
  }
  krefGet(c: number, kref: number): void {
    op.opCtxKref(this.L, this.s, c, kref);
    if (this.log) this.log.push({ type: 'kref_get', ctxId: c, kref });
  }
  krefPut(c: number, kref: number): void {
    op.opCtxKref(this.L, this.s, c, kref);
    if (this.log) this.log.push({ type: 'kref_put', ctxId: c, kref });
  }
  ctxRelease(c: number): void {
    op.opCtxFree(this.L, this.s, c);
    if (this.log) this.log.push({ type: 'pfnmap_track_ctx_release', ctxId: c });
  }

  // --- address spaces, kernel users, diagnostics ---
  copyProcess(p: number, child: number): void {
    op.opProcAlive(this.L, this.s, child, true);
    if (this.log) this.log.push({ type: 'copy_process', pid: pidOf(p), childPid: pidOf(child) });
  }
  mmput(p: number): void {
    op.opProcAlive(this.L, this.s, p, false);
    if (this.log) this.log.push({ type: 'mmput', pid: pidOf(p) });
  }
  kernelMap(k: number, kind: number, pfn: number, n: number, mode: number): void {
    op.opKernelSet(this.L, this.s, k, kind, pfn, n, mode);
    if (this.log)
      this.log.push(
        kind === 1
          ? { type: 'memremap_pages', handle: k + 1, pfn: pfnOf(this.u, pfn), nrPages: n, cacheMode: modeName(mode) }
          : { type: 'ioremap', handle: k + 1, pfn: pfnOf(this.u, pfn), nrPages: n, cacheMode: modeName(mode) },
      );
  }
  kernelUnmap(k: number, kind: number): void {
    op.opKernelSet(this.L, this.s, k, 0, 0, 0, 0);
    if (this.log) this.log.push(kind === 1 ? { type: 'memunmap_pages', handle: k + 1 } : { type: 'iounmap', handle: k + 1 });
  }
  warn(bit: number): void {
    op.opWarn(this.s, bit);
    if (this.log) {
      const w = WARN_KINDS.find((k) => k.bit === bit)!;
      this.log.push({ type: 'warn', reason: w.name as 'get_pat_info', message: w.text });
    }
  }
}
