/**
 * pte-no-alias: no physical page is mapped by two present PTEs (or a PTE and a kernel
 * mapping) with different cache modes; every present PTE of a tracked mapping (a VMA with a
 * pfnmap_track_ctx or VM_PAT) has the cache mode reserved for its pfn.
 *
 * Kept by: reserve_pfn_range rewriting the prot to the reserved type (§1.7),
 * pfnmap_setup_cachemode / lookup_memtype for untracked remaps and vmf_insert_pfn (§1.6-§1.7),
 * and by reservations living as long as any mapping that relies on them.
 * Broken by: a reservation freed while a VMA still maps its pages (legacy zap, bug F, then a
 * remap or refault with another type), a PTE filled with the requested instead of the
 * reserved type (mutant `remap-ignores-reserved-type`).
 */
import { isAlive, kKind, kMode, kPages, kPfn, ownerOf, pteOf, tEnd, tStart, tType, treeCount, type Bytes } from '../src/state/access.ts';
import { modeName } from '../src/state/cacheMode.ts';
import type { View } from '../src/state/describe.ts';
import { addrOf, hex, paddrOf, pidOf } from '../src/state/geometry.ts';
import { pteIsSpecial, ptePfn, pteMode } from '../src/state/layout.ts';
import type { Invariant } from './invariant.ts';

/** Allocation-free test for the checker's inner loop; explain() builds the message. */
let modes = new Int8Array(16);
const holds = (w: View, s: Bytes): boolean => {
  const { L } = w;
  if (modes.length < L.N) modes = new Int8Array(L.N);
  // a loop, not fill(): on these few frames the builtin's call costs more than the stores
  for (let i = 0; i < L.N; i++) modes[i] = -1;
  for (let k = 0; k < L.K; k++) {
    if (!kKind(L, s, k)) continue;
    for (let i = kPfn(L, s, k); i < kPfn(L, s, k) + kPages(L, s, k); i++) {
      if (modes[i] >= 0 && modes[i] !== kMode(L, s, k)) return false;
      modes[i] = kMode(L, s, k);
    }
  }
  const n = treeCount(L, s);
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (let v = 0; v < L.V; v++) {
      const pte = pteOf(L, s, p, v);
      if (!pteIsSpecial(pte)) continue;
      const i = ptePfn(pte);
      const m = pteMode(pte);
      if (modes[i] >= 0 && modes[i] !== m) return false;
      modes[i] = m;
      if (ownerOf(L, s, p, v) === 0) continue;
      let reserved = -1;
      for (let k = 0; k < n && reserved < 0; k++) if (tStart(L, s, k) <= i && tEnd(L, s, k) > i) reserved = tType(L, s, k);
      if (reserved !== m) return false;
    }
  }
  return true;
};

const check = (w: View, s: Bytes): string | null => (holds(w, s) ? null : explain(w, s));

const explain = (w: View, s: Bytes): string | null => {
  const { L } = w;
  // mode seen per frame (+1, 0 = none) and who
  const seen = new Int16Array(L.N).fill(-1);
  const who: string[] = [];
  const where = (p: number, v: number) => `pid ${pidOf(p)} PTE ${hex(addrOf(w.u, v))}`;
  for (let k = 0; k < L.K; k++) {
    if (!kKind(L, s, k)) continue;
    for (let i = kPfn(L, s, k); i < kPfn(L, s, k) + kPages(L, s, k); i++) {
      if (seen[i] >= 0 && seen[i] !== kMode(L, s, k))
        return `page ${hex(paddrOf(w.u, i))} is mapped ${modeName(seen[i])} by ${who[i]} and ${modeName(kMode(L, s, k))} by kernel handle ${k + 1}`;
      seen[i] = kMode(L, s, k);
      who[i] = `kernel handle ${k + 1}`;
    }
  }
  const n = treeCount(L, s);
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (let v = 0; v < L.V; v++) {
      const pte = pteOf(L, s, p, v);
      if (!pteIsSpecial(pte)) continue;
      const i = ptePfn(pte);
      const m = pteMode(pte);
      if (seen[i] >= 0 && seen[i] !== m)
        return `page ${hex(paddrOf(w.u, i))} is mapped ${modeName(seen[i])} by ${who[i]} and ${modeName(m)} by ${where(p, v)}`;
      seen[i] = m;
      who[i] = where(p, v);
      if (ownerOf(L, s, p, v) === 0) continue;
      // a tracked mapping: its page must be reserved, with the PTE's type
      let reserved = -1;
      for (let k = 0; k < n && reserved < 0; k++) if (tStart(L, s, k) <= i && tEnd(L, s, k) > i) reserved = tType(L, s, k);
      if (reserved < 0) return `${where(p, v)} of a tracked VMA maps page ${hex(paddrOf(w.u, i))} ${modeName(m)}, but no reservation covers it`;
      if (reserved !== m) return `${where(p, v)} maps page ${hex(paddrOf(w.u, i))} ${modeName(m)}, but it is reserved ${modeName(reserved)}`;
    }
  }
  return null;
};

export const pteNoAlias: Invariant = {
  name: 'pte-no-alias',
  kind: 'safety',
  statement:
    'no physical page is mapped by two present PTEs with different cache modes; every present PTE of a tracked mapping has the cache mode reserved for its pfn',
  check,
};
