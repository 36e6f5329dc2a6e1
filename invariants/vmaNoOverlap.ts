/**
 * vma-no-overlap: within an address space, VMAs are page aligned, inside the universe and
 * pairwise disjoint; every page of a VMA carries the VMA's flags, owner and consecutive
 * pgoff; PTEs lie inside VMAs; an address space that is gone has no pages.
 *
 * Kept by: mmap_region / get_unmapped_area (a new VMA only over free pages, or after
 * do_munmap of a MAP_FIXED range), __split_vma, copy_vma after the destination was unmapped
 * (mremap_to), vm_area_free after unmap_vmas zapped the PTEs.
 * Broken by: an mremap that moves onto a mapped destination without unmapping it first, a
 * vm_area_free that leaves PTEs behind.
 */
import { inVma, isAlive, pgoffOf, ownerOf, pteOf, vflags, type Bytes } from '../src/state/access.ts';
import type { View } from '../src/state/describe.ts';
import { addrOf, hex, pidOf } from '../src/state/geometry.ts';
import { CORRUPT_VMA_OVERLAP, HDR_BOUND, VF_ATTRS, VF_START, pageOff } from '../src/state/layout.ts';
import type { Invariant } from './invariant.ts';

const check = (w: View, s: Bytes): string | null => {
  const { L } = w;
  if (s[HDR_BOUND] & CORRUPT_VMA_OVERLAP) return 'a VMA was created over pages that were still mapped';
  for (let p = 0; p < L.P; p++) {
    const alive = isAlive(L, s, p);
    let vs = -1;
    for (let v = 0; v < L.V; v++) {
      const f = vflags(L, s, p, v);
      if (!alive) {
        if (s[pageOff(L, p, v)] || pgoffOf(L, s, p, v) || ownerOf(L, s, p, v) || pteOf(L, s, p, v))
          return `pid ${pidOf(p)} is gone but page ${hex(addrOf(w.u, v))} still has a VMA or PTE`;
        continue;
      }
      if (!inVma(L, s, p, v)) {
        vs = -1;
        if (pteOf(L, s, p, v) !== 0) return `pid ${pidOf(p)} has a PTE at ${hex(addrOf(w.u, v))} outside any VMA`;
        if (f || pgoffOf(L, s, p, v) || ownerOf(L, s, p, v)) return `pid ${pidOf(p)} page ${hex(addrOf(w.u, v))} has VMA attributes but no VMA`;
        continue;
      }
      if (f & VF_START || vs < 0) {
        if (!(f & VF_START)) return `pid ${pidOf(p)}: a VMA at ${hex(addrOf(w.u, v))} has no start`;
        vs = v;
        continue;
      }
      if ((f & VF_ATTRS) !== (vflags(L, s, p, vs) & VF_ATTRS) || ownerOf(L, s, p, v) !== ownerOf(L, s, p, vs))
        return `pid ${pidOf(p)}: the VMA at ${hex(addrOf(w.u, vs))} has different flags or tracking at ${hex(addrOf(w.u, v))}`;
      if (pgoffOf(L, s, p, v) !== pgoffOf(L, s, p, vs) + (v - vs))
        return `pid ${pidOf(p)}: the VMA at ${hex(addrOf(w.u, vs))} has a non-linear pgoff at ${hex(addrOf(w.u, v))}`;
    }
  }
  return null;
};

export const vmaNoOverlap: Invariant = {
  name: 'vma-no-overlap',
  kind: 'safety',
  statement:
    'within an address space, VMAs are page aligned, inside the universe and pairwise disjoint; PTEs lie inside VMAs',
  check,
};
