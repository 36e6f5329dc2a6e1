/**
 * Kernel-vocabulary text for parts of a state: tree entries as pat_memtype_list prints them,
 * VMAs with their flags and ctx, ctxs with their kref. Used by violation messages and reports.
 */
import {
  ctxKref,
  ctxLive,
  ctxPages,
  ctxPfn,
  isAlive,
  kKind,
  kMode,
  kPages,
  kPfn,
  tEnd,
  tOwner,
  tStart,
  tType,
  treeCount,
  vmasOf,
  pteOf,
  type Bytes,
  type VmaView,
} from './access.ts';
import { modeName } from './cacheMode.ts';
import { hasVmPat, type Design } from './design.ts';
import { addrOf, hex, paddrOf, pfnOf, pidOf } from './geometry.ts';
import { KERNEL_MEMREMAP, OWNER_KERNEL, PTE_ANON, VF_DONTCOPY, VF_DRIVER, VF_PFNMAP, VF_SHARED, VF_WRITE, VF_READ, type Layout, ptePfn, pteMode } from './layout.ts';
import type { Universe } from './universe.ts';

export interface View {
  readonly u: Universe;
  readonly L: Layout;
  readonly design: Design;
}

export const ownerText = (d: Design, o: number): string =>
  o >= OWNER_KERNEL ? `kernel handle ${o - OWNER_KERNEL + 1}` : hasVmPat(d) ? `VM_PAT lineage ${o}` : `ctx ${o}`;

export const rangeText = (w: View, start: number, end: number): string => `[mem ${hex(paddrOf(w.u, start))}-${hex(paddrOf(w.u, end) - 1)}]`;

export const entryText = (w: View, s: Bytes, i: number): string =>
  `${rangeText(w, tStart(w.L, s, i), tEnd(w.L, s, i))} ${modeName(tType(w.L, s, i))} (${ownerText(w.design, tOwner(w.L, s, i))})`;

export const vmaText = (w: View, p: number, m: VmaView): string => {
  const parts = [`pid ${pidOf(p)} ${hex(addrOf(w.u, m.start))}-${hex(addrOf(w.u, m.end))}`, `pgoff ${hex(pfnOf(w.u, m.pgoff))}`];
  parts.push(m.flags & VF_SHARED ? 'shared' : 'private');
  parts.push(m.flags & VF_WRITE ? 'rw' : m.flags & VF_READ ? 'r' : 'none');
  if (m.flags & VF_DRIVER) parts.push('driver');
  if (m.flags & VF_PFNMAP) parts.push('PFNMAP');
  if (m.flags & VF_DONTCOPY) parts.push('DONTCOPY');
  if (m.owner) parts.push(hasVmPat(w.design) ? `VM_PAT(lineage ${m.owner})` : `ctx ${m.owner}`);
  return parts.join(' ');
};

export const pteText = (w: View, s: Bytes, p: number, m: VmaView): string => {
  const out: string[] = [];
  for (let v = m.start; v < m.end; v++) {
    const pte = pteOf(w.L, s, p, v);
    out.push(pte === 0 ? '-' : pte & PTE_ANON ? 'anon' : `${hex(pfnOf(w.u, ptePfn(pte)))}:${modeName(pteMode(pte))}`);
  }
  return out.join(' ');
};

/** A live pfnmap_track_ctx (slot c): its range and kref. */
export const ctxText = (w: View, s: Bytes, c: number): string =>
  `ctx ${c}: pfn ${hex(pfnOf(w.u, ctxPfn(w.L, s, c)))} size ${ctxPages(w.L, s, c) * 4096} kref ${ctxKref(w.L, s, c)}`;

/** A live kernel reservation (slot k): memremap_pages or ioremap, its range and type. */
export const kernelText = (w: View, s: Bytes, k: number): string =>
  `kernel handle ${k + 1}: ${kKind(w.L, s, k) === KERNEL_MEMREMAP ? 'memremap_pages' : 'ioremap'} ${rangeText(w, kPfn(w.L, s, k), kPfn(w.L, s, k) + kPages(w.L, s, k))} ${modeName(kMode(w.L, s, k))}`;

/** A multi-line picture of the state: VMAs (with PTEs), ctxs, kernel mappings, the tree. */
export const stateText = (w: View, s: Bytes): string[] => {
  const lines: string[] = [];
  for (let p = 0; p < w.L.P; p++) {
    if (!isAlive(w.L, s, p)) continue;
    const vmas = vmasOf(w.L, s, p);
    if (vmas.length === 0) lines.push(`pid ${pidOf(p)}: no VMAs`);
    for (const m of vmas) lines.push(`vma ${vmaText(w, p, m)}  ptes [${pteText(w, s, p, m)}]`);
  }
  for (let c = 1; c <= w.L.C; c++)
    if (ctxLive(w.L, s, c)) lines.push(ctxText(w, s, c));
  for (let k = 0; k < w.L.K; k++)
    if (kKind(w.L, s, k)) lines.push(kernelText(w, s, k));
  const n = treeCount(w.L, s);
  if (n === 0) lines.push('memtype tree: empty');
  for (let i = 0; i < n; i++) lines.push(`memtype ${entryText(w, s, i)}`);
  return lines;
};
