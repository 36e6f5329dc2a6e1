/**
 * The reducer: (state, event) → Either<Rejection, state>. Pure and total: it never throws and
 * never mutates its input; each fact is applied on a copy through the same ops (ops.ts) the
 * executor's fact sink uses.
 *
 * Facts carry their outcomes (a reservation's resolved type, a kref's new count, a free's
 * match); the reducer applies them as claimed when the state can represent them, and rejects
 * them otherwise, naming the values. Two kernel error conditions are applied, not rejected,
 * so that invariants can report them: a memtype_free that finds no entry to free is recorded
 * as the kernel's failed free ("freeing invalid memtype"), and a kref_put or kref_get on a
 * released ctx is the kernel's refcount_t WARN. Invariants then judge the state.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Event, Owner, VmFlag } from '../events/codecs.ts';
import {
  ctxKref,
  ctxLive,
  isAlive,
  kKind,
  ownerOf,
  pteOf,
  tEnd,
  tOwner,
  tStart,
  treeCount,
  vflags,
  vmaEndOf,
  vmaStartOf,
  type Bytes,
} from '../state/access.ts';
import { modeIndex } from '../state/cacheMode.ts';
import type { Design } from '../state/design.ts';
import { addrOf, frameOf, frameOfPaddr, hex, slotOf, vpageOf } from '../state/geometry.ts';
import {
  KERNEL_IOREMAP,
  KERNEL_MEMREMAP,
  OWNER_KERNEL,
  PTE_ANON,
  VF_DONTCOPY,
  VF_IN_VMA,
  VF_PFNMAP,
  VF_READ,
  VF_SHARED,
  VF_WRITE,
  VF_DRIVER,
  WARN_GET_PAT_INFO,
  WARN_REFCOUNT_SATURATED,
  WARN_REFCOUNT_UNDERFLOW,
  WARN_BUG_REMAP_PTE,
  layoutOf,
  pageOff,
  pteIsSpecial,
  type Layout,
} from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import * as op from './ops.ts';

export interface Rejection {
  readonly message: string;
  /** the event field the message is about, when one is */
  readonly field?: string;
}

export type Reduced = E.Either<Rejection, Bytes>;

const REMAP_FLAGS: readonly VmFlag[] = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'];

class Reject {
  constructor(
    readonly message: string,
    readonly field?: string,
  ) {}
}

/** The initial state of a universe: one empty address space (pid 1). */
export const initialState = (u: Universe): Bytes => {
  const L = layoutOf(u);
  const s = new Uint8Array(L.size);
  op.opProcAlive(L, s, 0, true);
  return s;
};

export interface Reducer {
  readonly L: Layout;
  readonly reduce: (s: Bytes, e: Event) => Reduced;
}

export const makeReducer = (u: Universe, design: Design): Reducer => {
  const L = layoutOf(u);
  const legacy = design.kind === 'legacy';

  const fail = (message: string, field?: string): never => {
    throw new Reject(message, field);
  };
  const slot = (s: Bytes, pid: number, field = 'pid'): number => {
    const p = slotOf(u, pid);
    if (p < 0) fail(`pid ${pid} is outside the universe (procs ${u.procs})`, field);
    if (!isAlive(L, s, p)) fail(`pid ${pid} has no live address space`, field);
    return p;
  };
  const pages = (addr: number, nrPages: number, field = 'addr'): [number, number] => {
    const v0 = vpageOf(u, addr);
    if (v0 < 0 && addr % 4096 !== 0) fail(`address ${hex(addr)} is not page aligned`, field);
    if (!Number.isInteger(nrPages) || nrPages < 1) fail(`nrPages ${nrPages} must be a positive integer`, 'nrPages');
    if (v0 < 0 || v0 + nrPages > L.V) fail(`range ${hex(addr)} + ${nrPages} pages is outside the universe's ${L.V} virtual pages`, field);
    return [v0, v0 + nrPages];
  };
  const frames = (pfn: number, n: number, field = 'pfn'): number => {
    const i = frameOf(u, pfn);
    if (i < 0 || i + n > L.N) fail(`pfn ${hex(pfn)} + ${n} pages is outside the universe's device frames`, field);
    return i;
  };
  const paddrs = (start: number, end: number): [number, number] => {
    const a = frameOfPaddr(u, start);
    const b = frameOfPaddr(u, end);
    if (a < 0) fail(`startPaddr ${hex(start)} is not a page of the universe's device range`, 'startPaddr');
    if (b < 0 || b > L.N) fail(`endPaddr ${hex(end)} is not a page of the universe's device range`, 'endPaddr');
    if (a >= b) fail(`startPaddr ${hex(start)} must be below endPaddr ${hex(end)}`, 'endPaddr');
    return [a, b];
  };
  /** [v0, v1) must be exactly one VMA. */
  const wholeVma = (s: Bytes, p: number, v0: number, v1: number, what: string): void => {
    if (!(vflags(L, s, p, v0) & VF_IN_VMA)) fail(`${what}: no VMA at ${hex(addrOf(u, v0))}`, 'addr');
    if (vmaStartOf(L, s, p, v0) !== v0 || vmaEndOf(L, s, p, v0) !== v1)
      fail(
        `${what}: ${hex(addrOf(u, v0))}-${hex(addrOf(u, v1))} is not a whole VMA (the VMA is ${hex(addrOf(u, vmaStartOf(L, s, p, v0)))}-${hex(addrOf(u, vmaEndOf(L, s, p, vmaStartOf(L, s, p, v0))))})`,
        'nrPages',
      );
  };
  const withinVma = (s: Bytes, p: number, v0: number, v1: number, what: string): number => {
    if (!(vflags(L, s, p, v0) & VF_IN_VMA)) fail(`${what}: no VMA at ${hex(addrOf(u, v0))}`, 'addr');
    const vs = vmaStartOf(L, s, p, v0);
    if (vmaEndOf(L, s, p, vs) < v1) fail(`${what}: ${hex(addrOf(u, v0))}-${hex(addrOf(u, v1))} crosses the end of its VMA`, 'nrPages');
    return vs;
  };
  const ownerId = (o: Owner): number => {
    if ('kernel' in o) {
      if (!Number.isInteger(o.kernel) || o.kernel < 1 || o.kernel > L.K) fail(`kernel handle ${o.kernel} is outside the universe's ${L.K} kernel slots`, 'owner');
      return OWNER_KERNEL + o.kernel - 1;
    }
    const id = 'ctx' in o ? o.ctx : o.lineage;
    if ('ctx' in o && legacy) fail('a ctx owner in a legacy-design log (legacy entries belong to VM_PAT lineages)', 'owner');
    if ('lineage' in o && !legacy) fail(`a VM_PAT lineage owner in a ${design.kind}-design log`, 'owner');
    if (!Number.isInteger(id) || id < 1 || id > L.C) fail(`owner id ${id} is outside 1..${L.C}`, 'owner');
    return id;
  };
  const mode = (name: string, field: string): number => {
    const m = modeIndex(name);
    if (m < 0) fail(`unknown cache mode ${name}`, field);
    return m;
  };
  const flagBits = (flags: readonly VmFlag[]): number => {
    let bits = 0;
    const remap = REMAP_FLAGS.filter((f) => flags.includes(f));
    if (remap.length && remap.length !== REMAP_FLAGS.length) fail(`VM_IO, VM_PFNMAP, VM_DONTEXPAND and VM_DONTDUMP change together (VM_REMAP_FLAGS)`, 'flags');
    if (remap.length) bits |= VF_PFNMAP;
    if (flags.includes('VM_DONTCOPY')) bits |= VF_DONTCOPY;
    if (flags.includes('VM_READ')) bits |= VF_READ;
    if (flags.includes('VM_WRITE')) bits |= VF_WRITE;
    return bits;
  };

  const apply = (s: Bytes, e: Event): void => {
    switch (e.type) {
      case 'syscall':
        slot(s, e.pid);
        return;
      case 'kernel_call':
      case 'remap_pfn_range':
      case 'remap_pfn_range_done':
      case 'pfnmap_track':
      case 'pfnmap_untrack':
      case 'pfnmap_setup_cachemode':
      case 'track_pfn_remap':
      case 'track_pfn_copy':
      case 'untrack_pfn':
      case 'untrack_pfn_copy':
        return; // markers: the state changes are the facts they cause
      case 'mmap_region': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        const pg = frames(e.pgoff, e.nrPages, 'pgoff');
        let flags = (e.shared ? VF_SHARED : 0) | (e.driver ? VF_DRIVER : 0);
        if (e.prot !== 'PROT_NONE') flags |= VF_READ;
        if (e.prot === 'PROT_READ|PROT_WRITE') flags |= VF_WRITE;
        op.opCreateVma(L, s, p, v0, v1, flags, pg, 0);
        return;
      }
      case 'vm_flags_set':
      case 'vm_flags_clear': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        wholeVma(s, p, v0, v1, e.type);
        if (e.flags.includes('VM_PAT')) {
          if (!legacy) fail('VM_PAT exists only in the legacy design', 'flags');
          if (e.type === 'vm_flags_set') {
            if (e.lineage === undefined) fail('vm_flags_set VM_PAT needs the lineage it tracks', 'lineage');
            op.opSetOwner(L, s, p, v0, v1, ownerId({ lineage: e.lineage! }));
          } else op.opSetOwner(L, s, p, v0, v1, 0);
        }
        const bits = flagBits(e.flags);
        if (e.type === 'vm_flags_set') op.opModFlags(L, s, p, v0, v1, bits, 0);
        else op.opModFlags(L, s, p, v0, v1, 0, bits);
        return;
      }
      case 'untrack_pfn_clear': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        wholeVma(s, p, v0, v1, e.type);
        if (!legacy) fail('untrack_pfn_clear exists only in the legacy design', 'type');
        op.opSetOwner(L, s, p, v0, v1, 0);
        return;
      }
      case 'vm_area_dup': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        const vs = withinVma(s, p, v0, v1, 'vm_area_dup');
        if (e.ret !== 0) return; // refused: nothing changed
        if (e.reason === 'split') {
          if (e.dstPid !== e.pid || e.dstAddr !== e.addr) fail('a split dup stays in place (dstPid/dstAddr = pid/addr)', 'dstAddr');
          const ve = vmaEndOf(L, s, p, vs);
          if (v0 === vs && v1 === ve) fail('a split piece must be a proper head or tail of its VMA', 'nrPages');
          if (v0 !== vs && v1 !== ve) fail('a split piece must start or end where its VMA does', 'addr');
          op.opSplit(L, s, p, v0 === vs ? v1 : v0);
          return;
        }
        const dp = slot(s, e.dstPid, 'dstPid');
        const [d0] = pages(e.dstAddr, e.nrPages, 'dstAddr');
        const o = pageOff(L, p, v0);
        op.opCreateVma(L, s, dp, d0, d0 + (v1 - v0), s[o], s[o + 1], s[o + 2]);
        return;
      }
      case 'vm_area_free': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        wholeVma(s, p, v0, v1, 'vm_area_free');
        // PTEs left behind (unmap_vmas zaps before remove_vma) stay: vma-no-overlap reports them
        op.opRemoveVma(L, s, p, v0, v1);
        return;
      }
      case 'set_pte_range': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        withinVma(s, p, v0, v1, 'set_pte_range');
        const i = frames(e.pfn, e.nrPages);
        const m = mode(e.cacheMode, 'cacheMode');
        for (let v = v0; v < v1; v++) {
          if (pteOf(L, s, p, v) !== 0) fail(`set_pte_range: the PTE at ${hex(addrOf(u, v))} is not none (remap_pte_range BUG_ON)`, 'addr');
          op.opSetPte(L, s, p, v, (i + (v - v0) + 1) | (m << 4));
        }
        return;
      }
      case 'zap_pte_range': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        for (let v = v0; v < v1; v++) op.opSetPte(L, s, p, v, 0);
        return;
      }
      case 'move_page_tables': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        const [d0] = pages(e.newAddr, e.nrPages, 'newAddr');
        withinVma(s, p, d0, d0 + (v1 - v0), 'move_page_tables destination');
        const saved: number[] = [];
        for (let v = v0; v < v1; v++) saved.push(pteOf(L, s, p, v));
        for (let v = v0; v < v1; v++) op.opSetPte(L, s, p, v, 0);
        saved.forEach((pte, j) => op.opSetPte(L, s, p, d0 + j, pte));
        return;
      }
      case 'copy_page_range': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        const dp = slot(s, e.dstPid, 'dstPid');
        if (e.ret !== 0) return;
        withinVma(s, dp, v0, v1, 'copy_page_range destination');
        for (let v = v0; v < v1; v++) op.opSetPte(L, s, dp, v, pteOf(L, s, p, v));
        return;
      }
      case 'wp_page_copy': {
        const p = slot(s, e.pid);
        const [v0] = pages(e.addr, 1);
        withinVma(s, p, v0, v0 + 1, 'wp_page_copy');
        if (!pteIsSpecial(pteOf(L, s, p, v0))) fail(`wp_page_copy: no PFN PTE at ${hex(e.addr)} to copy`, 'addr');
        op.opSetPte(L, s, p, v0, PTE_ANON);
        return;
      }
      case 'memtype_reserve': {
        const [a, b] = paddrs(e.startPaddr, e.endPaddr);
        const owner = ownerId(e.owner);
        if (e.ret !== 0) return;
        if (!op.opTreeInsert(L, s, a, b, mode(e.newType, 'newType'), owner)) fail(`the memtype tree is full (treeMax ${L.T})`, 'startPaddr');
        return;
      }
      case 'memtype_free': {
        const [a, b] = paddrs(e.startPaddr, e.endPaddr);
        const want = e.owner ? ownerId(e.owner) : -1;
        const n = treeCount(L, s);
        let exact = -1;
        let endm = -1;
        for (let k = 0; k < n; k++) {
          if (tStart(L, s, k) === a && tEnd(L, s, k) === b && (exact < 0 || (tOwner(L, s, k) === want && tOwner(L, s, exact) !== want))) exact = k;
          // as memtype_erase: the lowest start first; the ghost owner picks among equal starts
          if (tStart(L, s, k) < a && tEnd(L, s, k) === b && (endm < 0 || (tStart(L, s, k) === tStart(L, s, endm) && tOwner(L, s, k) === want && tOwner(L, s, endm) !== want)))
            endm = k;
        }
        if (e.match === 'part') {
          if (design.kind !== 'precise') fail('a partial free exists only in the precise design', 'match');
          let k = -1;
          for (let i = 0; i < n && k < 0; i++) if (tOwner(L, s, i) === want && tStart(L, s, i) <= a && tEnd(L, s, i) >= b) k = i;
          if (k >= 0) op.opTreeCut(L, s, k, a, b);
          else op.opInvalidFree(s, a, b);
        } else if (e.match === 'exact' && exact >= 0) op.opTreeRemove(L, s, exact);
        else if (e.match === 'end' && exact < 0 && endm >= 0) {
          if (!legacy) fail('an END-match free (shrink) exists only in the legacy design (memtype_erase before v6.16)', 'match');
          op.opTreeShrink(L, s, endm, a);
        } else if (e.match === 'exact' || e.match === 'end' || e.match === 'none') {
          // nothing to free: the kernel's failed free ("freeing invalid memtype")
          op.opInvalidFree(s, a, b);
        }
        return;
      }
      case 'pfnmap_track_ctx_alloc': {
        if (legacy) fail('pfnmap_track_ctx exists only from v6.16 (tracked design)', 'type');
        if (!Number.isInteger(e.ctxId) || e.ctxId < 1 || e.ctxId > L.C) fail(`ctxId ${e.ctxId} is outside 1..${L.C}`, 'ctxId');
        if (ctxLive(L, s, e.ctxId)) fail(`ctx ${e.ctxId} already exists`, 'ctxId');
        const i = frames(e.pfn, e.nrPages);
        op.opCtxAlloc(L, s, e.ctxId, i, e.nrPages);
        return;
      }
      case 'pfnmap_track_ctx_attach': {
        const p = slot(s, e.pid);
        const [v0, v1] = pages(e.addr, e.nrPages);
        wholeVma(s, p, v0, v1, 'pfnmap_track_ctx_attach');
        if (!ctxLive(L, s, e.ctxId)) fail(`ctx ${e.ctxId} does not exist`, 'ctxId');
        if (ownerOf(L, s, p, v0) !== 0) fail(`the VMA at ${hex(e.addr)} already has ctx ${ownerOf(L, s, p, v0)} (remap_pfn_range refuses a second one)`, 'addr');
        op.opSetOwner(L, s, p, v0, v1, e.ctxId);
        return;
      }
      case 'kref_get':
      case 'kref_put': {
        if (!Number.isInteger(e.ctxId) || e.ctxId < 1 || e.ctxId > L.C) fail(`ctxId ${e.ctxId} is outside 1..${L.C}`, 'ctxId');
        const live = ctxLive(L, s, e.ctxId);
        const k = live ? ctxKref(L, s, e.ctxId) : 0;
        if (!live || (e.type === 'kref_put' && k === 0)) {
          op.opWarn(s, WARN_REFCOUNT_UNDERFLOW); // use after release: refcount_t WARN
          return;
        }
        const next = e.type === 'kref_get' ? k + 1 : k - 1;
        if (e.type === 'kref_get' && next > 255) {
          op.opWarn(s, WARN_REFCOUNT_SATURATED);
          return;
        }
        if (e.kref !== next) fail(`${e.type} of ctx ${e.ctxId} claims kref ${e.kref}, the state gives ${next}`, 'kref');
        op.opCtxKref(L, s, e.ctxId, next);
        return;
      }
      case 'pfnmap_track_ctx_release': {
        if (!Number.isInteger(e.ctxId) || e.ctxId < 1 || e.ctxId > L.C) fail(`ctxId ${e.ctxId} is outside 1..${L.C}`, 'ctxId');
        if (!ctxLive(L, s, e.ctxId)) {
          op.opWarn(s, WARN_REFCOUNT_UNDERFLOW);
          return;
        }
        if (ctxKref(L, s, e.ctxId) !== 0) fail(`pfnmap_track_ctx_release of ctx ${e.ctxId} with kref ${ctxKref(L, s, e.ctxId)} (release runs at 0)`, 'ctxId');
        op.opCtxFree(L, s, e.ctxId);
        return;
      }
      case 'copy_process': {
        slot(s, e.pid);
        const c = slotOf(u, e.childPid);
        if (c < 0) fail(`childPid ${e.childPid} is outside the universe (procs ${u.procs})`, 'childPid');
        if (isAlive(L, s, c)) fail(`childPid ${e.childPid} is already a live address space`, 'childPid');
        op.opProcAlive(L, s, c, true);
        return;
      }
      case 'mmput': {
        const p = slot(s, e.pid);
        for (let v = 0; v < L.V; v++) if (vflags(L, s, p, v) & VF_IN_VMA) fail(`mmput of pid ${e.pid} with a VMA at ${hex(addrOf(u, v))} (exit_mmap frees them first)`, 'pid');
        op.opProcAlive(L, s, p, false);
        return;
      }
      case 'memremap_pages':
      case 'ioremap': {
        const k = e.handle - 1;
        if (!Number.isInteger(k) || k < 0 || k >= L.K) fail(`handle ${e.handle} is outside the universe's ${L.K} kernel slots`, 'handle');
        if (kKind(L, s, k)) fail(`handle ${e.handle} is in use`, 'handle');
        const i = frames(e.pfn, e.nrPages);
        op.opKernelSet(L, s, k, e.type === 'memremap_pages' ? KERNEL_MEMREMAP : KERNEL_IOREMAP, i, e.nrPages, mode(e.cacheMode, 'cacheMode'));
        return;
      }
      case 'memunmap_pages':
      case 'iounmap': {
        const k = e.handle - 1;
        const kind = e.type === 'memunmap_pages' ? KERNEL_MEMREMAP : KERNEL_IOREMAP;
        if (!Number.isInteger(k) || k < 0 || k >= L.K || kKind(L, s, k) !== kind) fail(`handle ${e.handle} is not a live ${e.type === 'iounmap' ? 'ioremap' : 'memremap_pages'} mapping`, 'handle');
        op.opKernelSet(L, s, k, 0, 0, 0, 0);
        return;
      }
      case 'warn':
        op.opWarn(
          s,
          e.reason === 'get_pat_info'
            ? WARN_GET_PAT_INFO
            : e.reason === 'refcount_underflow'
              ? WARN_REFCOUNT_UNDERFLOW
              : e.reason === 'refcount_saturated'
                ? WARN_REFCOUNT_SATURATED
                : WARN_BUG_REMAP_PTE,
        );
        return;
    }
  };

  const reduce = (s: Bytes, e: Event): Reduced => {
    const next = new Uint8Array(s);
    try {
      apply(next, e);
      return E.right(next);
    } catch (x) {
      if (x instanceof Reject) return E.left({ message: x.message, field: x.field });
      return E.left({ message: `cannot apply ${e.type}: ${(x as Error).message}` });
    }
  };
  return { L, reduce };
};
