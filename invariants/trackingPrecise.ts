/**
 * tracking-precise (quality, not safety): every reserved pfn is mapped by a live VMA of its
 * owner. The tracked design breaks it after a partial unmap or mremap shrink: the cover letter
 * of the v6.16 series accepts keeping "the original full pfn range" reserved until every
 * sharing VMA is gone (reference §3.5). A precise design must keep it.
 *
 * Kernel reservations (memremap_pages, ioremap) have no VMAs and are not judged.
 */
import { isAlive, ownerOf, pgoffOf, tEnd, tOwner, tStart, treeCount, type Bytes } from '../src/state/access.ts';
import { ownerText, rangeText, type View } from '../src/state/describe.ts';
import { OWNER_KERNEL } from '../src/state/layout.ts';
import type { Invariant } from './invariant.ts';

const check = (w: View, s: Bytes): string | null => {
  const { L } = w;
  const n = treeCount(L, s);
  for (let i = 0; i < n; i++) {
    const o = tOwner(L, s, i);
    if (o >= OWNER_KERNEL) continue;
    for (let f = tStart(L, s, i); f < tEnd(L, s, i); f++) {
      let mapped = false;
      for (let p = 0; p < L.P && !mapped; p++) {
        if (!isAlive(L, s, p)) continue;
        for (let v = 0; v < L.V && !mapped; v++) mapped = ownerOf(L, s, p, v) === o && pgoffOf(L, s, p, v) === f;
      }
      if (!mapped)
        return `${rangeText(w, f, f + 1)} stays reserved (${ownerText(w.design, o)}, entry ${rangeText(w, tStart(L, s, i), tEnd(L, s, i))}) but no VMA of its owner maps it`;
    }
  }
  return null;
};

export const trackingPrecise: Invariant = {
  name: 'tracking-precise',
  kind: 'quality',
  statement: 'every reserved pfn is mapped by a live VMA of its owner',
  check,
};
