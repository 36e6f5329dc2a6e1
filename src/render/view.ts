/**
 * A state as the trace viewer draws it: plain data in kernel units and kernel vocabulary,
 * read from the packed state through src/state/access.ts and describe.ts. The page's script
 * draws these parts and knows nothing of the packed layout; this file decides nothing about
 * the kernel, it only reads.
 *
 * A state is cut into parts (one per address space, the ctx list, the kernel mappings, the
 * memtype tree, the header flags) so that a trace can store each distinct part once and a
 * state as a row of part numbers (trace.ts).
 */
import {
  ctxKref,
  ctxLive,
  ctxPages,
  ctxPfn,
  invalidFree,
  isAlive,
  kKind,
  kMode,
  kPages,
  kPfn,
  pteOf,
  tEnd,
  tOwner,
  tStart,
  tType,
  treeCount,
  vmasOf,
  warnMask,
  boundFlags,
  type Bytes,
} from '../state/access.ts';
import { modeName } from '../state/cacheMode.ts';
import { hasVmPat } from '../state/design.ts';
import { ctxText, entryText, kernelText, ownerText, pteText, rangeText, vmaText, type View } from '../state/describe.ts';
import { addrOf, hex, pfnOf, pidOf } from '../state/geometry.ts';
import {
  BOUND_TREE,
  CORRUPT_VMA_OVERLAP,
  KERNEL_MEMREMAP,
  OWNER_KERNEL,
  PTE_ANON,
  VF_DONTCOPY,
  VF_DRIVER,
  VF_PFNMAP,
  VF_READ,
  VF_SHARED,
  VF_WRITE,
  WARN_KINDS,
  ptePfn,
  pteMode,
} from '../state/layout.ts';

/** A present PTE: [device frame index, cache mode]; 'anon' an anonymous COW copy; 0 none. */
export type PteView = 0 | 'anon' | readonly [number, string];

export interface VmaPart {
  /** first virtual page index and one past the last */
  readonly s: number;
  readonly e: number;
  /** vm_start-vm_end in bytes */
  readonly range: string;
  /** the device frame index vm_pgoff names */
  readonly pgoff: number;
  /** shared/private, access, driver, PFNMAP, DONTCOPY */
  readonly flags: readonly string[];
  /** 'VM_PAT(lineage n)' (legacy) or 'ctx n' (tracked, precise); '' when untracked */
  readonly track: string;
  /** the ctx or lineage id the VMA holds; 0 none */
  readonly owner: number;
  readonly ptes: readonly PteView[];
  /** the VMA in describe.ts's words, with its PTEs */
  readonly text: string;
}

export interface ProcPart {
  readonly pid: number;
  readonly vmas: readonly VmaPart[];
}

export interface CtxPart {
  readonly id: number;
  /** device frame indices [s, e) */
  readonly s: number;
  readonly e: number;
  readonly kref: number;
  readonly text: string;
}

export interface KernelPart {
  readonly handle: number;
  readonly kind: 'memremap_pages' | 'ioremap';
  readonly s: number;
  readonly e: number;
  readonly mode: string;
  readonly text: string;
}

export interface EntryPart {
  readonly s: number;
  readonly e: number;
  readonly mode: string;
  /** the owner id as the state stores it (a ctx or lineage id; kernel handles from OWNER_KERNEL) */
  readonly owner: number;
  /** 'ctx n', 'VM_PAT lineage n' or 'kernel handle n' */
  readonly ownerText: string;
  /** [mem a-b] as pat_memtype_list prints it */
  readonly range: string;
  readonly text: string;
}

export interface HeaderPart {
  /** the WARN/BUG texts the state carries (sticky) */
  readonly warn: readonly string[];
  /** the last failed memtype_free (frame indices), if any */
  readonly invalid: { readonly s: number; readonly e: number; readonly range: string } | null;
  /** bounds the state ran into */
  readonly bound: readonly string[];
}

export interface StateView {
  /** one per address space slot; null when the slot holds no live address space */
  readonly procs: readonly (ProcPart | null)[];
  readonly ctxs: readonly CtxPart[];
  readonly kernel: readonly KernelPart[];
  readonly tree: readonly EntryPart[];
  readonly header: HeaderPart;
}

const vmaFlags = (f: number): string[] => {
  const out = [f & VF_SHARED ? 'shared' : 'private', f & VF_WRITE ? 'rw' : f & VF_READ ? 'r' : 'none'];
  if (f & VF_DRIVER) out.push('driver');
  if (f & VF_PFNMAP) out.push('PFNMAP');
  if (f & VF_DONTCOPY) out.push('DONTCOPY');
  return out;
};

const pteView = (pte: number): PteView => (pte === 0 ? 0 : pte & PTE_ANON ? 'anon' : [ptePfn(pte), modeName(pteMode(pte))]);

export const procView = (w: View, s: Bytes, p: number): ProcPart | null => {
  if (!isAlive(w.L, s, p)) return null;
  return {
    pid: pidOf(p),
    vmas: vmasOf(w.L, s, p).map((m) => {
      const ptes: PteView[] = [];
      for (let v = m.start; v < m.end; v++) ptes.push(pteView(pteOf(w.L, s, p, v)));
      return {
        s: m.start,
        e: m.end,
        range: `${hex(addrOf(w.u, m.start))}-${hex(addrOf(w.u, m.end))}`,
        pgoff: m.pgoff,
        flags: vmaFlags(m.flags),
        track: m.owner ? (hasVmPat(w.design) ? `VM_PAT(lineage ${m.owner})` : `ctx ${m.owner}`) : '',
        owner: m.owner,
        ptes,
        text: `vma ${vmaText(w, p, m)}  ptes [${pteText(w, s, p, m)}]`,
      };
    }),
  };
};

export const ctxsView = (w: View, s: Bytes): CtxPart[] => {
  const out: CtxPart[] = [];
  for (let c = 1; c <= w.L.C; c++) {
    if (!ctxLive(w.L, s, c)) continue;
    const pfn = ctxPfn(w.L, s, c);
    out.push({ id: c, s: pfn, e: pfn + ctxPages(w.L, s, c), kref: ctxKref(w.L, s, c), text: ctxText(w, s, c) });
  }
  return out;
};

export const kernelView = (w: View, s: Bytes): KernelPart[] => {
  const out: KernelPart[] = [];
  for (let k = 0; k < w.L.K; k++) {
    const kind = kKind(w.L, s, k);
    if (!kind) continue;
    const pfn = kPfn(w.L, s, k);
    out.push({
      handle: k + 1,
      kind: kind === KERNEL_MEMREMAP ? 'memremap_pages' : 'ioremap',
      s: pfn,
      e: pfn + kPages(w.L, s, k),
      mode: modeName(kMode(w.L, s, k)),
      text: kernelText(w, s, k),
    });
  }
  return out;
};

export const treeView = (w: View, s: Bytes): EntryPart[] => {
  const out: EntryPart[] = [];
  for (let i = 0; i < treeCount(w.L, s); i++) {
    const start = tStart(w.L, s, i);
    const end = tEnd(w.L, s, i);
    const owner = tOwner(w.L, s, i);
    out.push({
      s: start,
      e: end,
      mode: modeName(tType(w.L, s, i)),
      owner,
      ownerText: ownerText(w.design, owner),
      range: rangeText(w, start, end),
      text: `memtype ${entryText(w, s, i)}`,
    });
  }
  return out;
};

export const headerView = (w: View, s: Bytes): HeaderPart => {
  const mask = warnMask(s);
  const bad = invalidFree(s);
  const bounds = boundFlags(s);
  const bound: string[] = [];
  if (bounds & BOUND_TREE) bound.push(`the memtype tree reached treeMax (${w.u.treeMax})`);
  if (bounds & CORRUPT_VMA_OVERLAP) bound.push('a VMA was created over pages already mapped');
  return {
    warn: WARN_KINDS.filter((k) => mask & k.bit).map((k) => k.text),
    invalid: bad ? { s: bad.start, e: bad.end, range: rangeText(w, bad.start, bad.end) } : null,
    bound,
  };
};

export const stateView = (w: View, s: Bytes): StateView => ({
  procs: Array.from({ length: w.L.P }, (_, p) => procView(w, s, p)),
  ctxs: ctxsView(w, s),
  kernel: kernelView(w, s),
  tree: treeView(w, s),
  header: headerView(w, s),
});

/** Labels of the two axes the page draws: virtual pages and device frames. */
export interface Geometry {
  readonly procs: number;
  readonly vpages: number;
  readonly pfns: number;
  /** the byte address of each virtual page */
  readonly pages: readonly string[];
  /** the pfn of each device frame (and one past the last, for range ends) */
  readonly frames: readonly string[];
  /** tree owners from this id on are kernel handles */
  readonly ownerKernel: number;
}

export const geometryOf = (w: View): Geometry => ({
  procs: w.L.P,
  vpages: w.u.vpages,
  pfns: w.u.pfns,
  pages: Array.from({ length: w.u.vpages }, (_, v) => hex(addrOf(w.u, v))),
  frames: Array.from({ length: w.u.pfns + 1 }, (_, i) => hex(pfnOf(w.u, i))),
  ownerKernel: OWNER_KERNEL,
});
