/**
 * memtype-no-leak: every reservation in the memtype tree has a live owner: a
 * pfnmap_track_ctx with kref > 0 (tracked), a VMA that still carries VM_PAT for it (legacy;
 * the lineage is the model's ghost bookkeeping of which entry a VM_PAT VMA answers for), or a
 * live memremap_pages / ioremap. When no owner remains the tree is empty.
 *
 * Kept by: pfnmap_track_ctx_release (pfnmap_untrack of the full range when the last VMA goes,
 * §3.4); in legacy, untrack_pfn of each VM_PAT VMA at unmap, which works only while the VMA
 * still matches its reservation (§2.8).
 * Broken by: legacy split then head-first unmap (bug E: the head range leaks), mremap in the
 * v6.15-rc1 window (bug D), fork copy failure under d155df53f310 (bug A), a release that does not
 * untrack (mutant `release-without-untrack`).
 */
import { ctxLive, ctxPages, ctxPfn, isAlive, kKind, ownerOf, tEnd, tOwner, tStart, treeCount, type Bytes } from '../src/state/access.ts';
import { entryText, type View } from '../src/state/describe.ts';
import { ownership } from '../src/state/design.ts';
import { OWNER_KERNEL } from '../src/state/layout.ts';
import type { Invariant } from './invariant.ts';

const lineageLive = (w: View, s: Bytes, o: number): boolean => {
  for (let p = 0; p < w.L.P; p++) {
    if (!isAlive(w.L, s, p)) continue;
    for (let v = 0; v < w.L.V; v++) if (ownerOf(w.L, s, p, v) === o) return true;
  }
  return false;
};

const check = (w: View, s: Bytes): string | null => {
  const { L } = w;
  const n = treeCount(L, s);
  const owners = ownership(w.design);
  for (let i = 0; i < n; i++) {
    const o = tOwner(L, s, i);
    if (o >= OWNER_KERNEL) {
      if (!kKind(L, s, o - OWNER_KERNEL)) return `memtype ${entryText(w, s, i)} leaked: its kernel mapping is gone`;
    } else if (owners === 'lineage') {
      if (!lineageLive(w, s, o)) return `memtype ${entryText(w, s, i)} leaked: no VMA carries VM_PAT for it any more`;
    } else if (!ctxLive(L, s, o)) {
      return `memtype ${entryText(w, s, i)} leaked: ctx ${o} was released`;
    } else if (
      owners === 'ctx-pieces'
        ? tStart(L, s, i) < ctxPfn(L, s, o) || tEnd(L, s, i) > ctxPfn(L, s, o) + ctxPages(L, s, o)
        : ctxPfn(L, s, o) !== tStart(L, s, i) || ctxPfn(L, s, o) + ctxPages(L, s, o) !== tEnd(L, s, i)
    ) {
      // tracked: the ctx frees exactly (ctx->pfn, ctx->size); precise: pieces of that range
      return `memtype ${entryText(w, s, i)} leaked: ctx ${o} tracks another range, nothing will free this one`;
    }
  }
  return null;
};

export const memtypeNoLeak: Invariant = {
  name: 'memtype-no-leak',
  kind: 'safety',
  statement:
    'every reservation has a live owner (ctx with kref > 0, a VM_PAT VMA lineage, a memremap or ioremap); when no owner remains the tree is empty',
  check,
};
