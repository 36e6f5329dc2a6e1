/**
 * Reachability ("sometimes") properties: interesting states and decisions the search must
 * reach, or the config (or the model) is too weak to say anything about them. A config that
 * never reaches one is reported, never silently passed.
 */
import { isAlive, ownerOf, pgoffOf, tEnd, tOwner, tStart, treeCount, vflags, type Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import { OWNER_KERNEL, VF_IN_VMA, VF_START, type Layout } from '../state/layout.ts';
import { NOTE_DUP_REFUSED, NOTE_RESERVE_REFUSED } from '../../models/kernel.ts';

export interface Reachability {
  readonly name: string;
  readonly description: string;
  readonly designs: readonly Design['kind'][];
  /** a property of a state, or of a transition's decisions (kernel notes) */
  readonly state?: (L: Layout, s: Bytes) => boolean;
  readonly note?: number;
}

/** Two VMAs (same mm when sameMm, different mms otherwise) share one owner. */
const sharedOwner = (L: Layout, s: Bytes, sameMm: boolean): boolean => {
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (let v = 0; v < L.V; v++) {
      const o = ownerOf(L, s, p, v);
      if (!o || !(vflags(L, s, p, v) & VF_START)) continue;
      for (let q = sameMm ? p : p + 1; q < (sameMm ? p + 1 : L.P); q++) {
        if (!isAlive(L, s, q)) continue;
        for (let w = sameMm ? v + 1 : 0; w < L.V; w++) if (vflags(L, s, q, w) & VF_START && ownerOf(L, s, q, w) === o) return true;
      }
    }
  }
  return false;
};

/** Tracked VMAs in two address spaces mapping one pfn (legacy: the fork's second reservation). */
const trackedInTwoMms = (L: Layout, s: Bytes): boolean => {
  for (let p = 0; p < L.P; p++)
    for (let q = p + 1; q < L.P; q++)
      for (let v = 0; v < L.V; v++)
        for (let w = 0; w < L.V; w++)
          if (
            isAlive(L, s, p) &&
            isAlive(L, s, q) &&
            vflags(L, s, p, v) & VF_IN_VMA &&
            vflags(L, s, q, w) & VF_IN_VMA &&
            ownerOf(L, s, p, v) &&
            ownerOf(L, s, q, w) &&
            pgoffOf(L, s, p, v) === pgoffOf(L, s, q, w)
          )
            return true;
  return false;
};

/** A reservation whose owner is live but no longer maps all of it. */
const partialStillTracked = (L: Layout, s: Bytes): boolean => {
  const n = treeCount(L, s);
  for (let i = 0; i < n; i++) {
    const o = tOwner(L, s, i);
    if (o >= OWNER_KERNEL) continue;
    let live = false;
    let all = true;
    for (let f = tStart(L, s, i); f < tEnd(L, s, i); f++) {
      let mapped = false;
      for (let p = 0; p < L.P; p++)
        for (let v = 0; v < L.V; v++)
          if (isAlive(L, s, p) && ownerOf(L, s, p, v) === o) {
            live = true;
            if (pgoffOf(L, s, p, v) === f) mapped = true;
          }
      if (!mapped) all = false;
    }
    if (live && !all) return true;
  }
  return false;
};

export const REACHABILITY: readonly Reachability[] = [
  {
    name: 'tracked-vma-split',
    description: 'a tracked VMA was split: two VMAs of one mm share a ctx (or a VM_PAT lineage)',
    designs: ['tracked', 'legacy', 'precise'],
    state: (L, s) => sharedOwner(L, s, true),
  },
  {
    name: 'ctx-shared-across-fork',
    description: 'a tracked mapping lives in two address spaces after fork (one ctx; legacy: a second reservation)',
    designs: ['tracked', 'legacy', 'precise'],
    state: (L, s) => sharedOwner(L, s, false) || trackedInTwoMms(L, s),
  },
  {
    name: 'partial-unmap-keeps-tracking',
    description: 'part of a tracked range is unmapped while the rest stays mapped and reserved',
    designs: ['tracked', 'legacy', 'precise'],
    state: partialStillTracked,
  },
  {
    name: 'conflict-refused',
    description: 'a reservation was refused: conflicting memory types, or a returned type the caller may not use',
    designs: ['tracked', 'legacy', 'precise'],
    note: NOTE_RESERVE_REFUSED,
  },
  {
    name: 'kref-saturation-refused',
    description: 'vm_area_dup was refused because the ctx kref reached REFCOUNT_MAX',
    designs: ['tracked', 'precise'],
    note: NOTE_DUP_REFUSED,
  },
];

export const reachabilityFor = (d: Design): Reachability[] => REACHABILITY.filter((r) => r.designs.includes(d.kind));
