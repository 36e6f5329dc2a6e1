/**
 * kref-exact (tracked, precise): each ctx's kref equals the number of live VMAs, in all
 * address spaces, that point to it; a ctx exists iff its count is > 0 and its range is
 * reserved; every VMA's ctx exists.
 *
 * Kept by: vma_pfnmap_track_ctx_dup (kref_get in every vm_area_dup), vm_area_free's
 * kref_put, the release at 0 (reference §3.4).
 * Broken by: a dup without kref_get (mutant `dup-without-get`), a zap that drops the kref
 * (mutant `zap-puts-kref`).
 */
import { ctxKref, ctxLive, ctxPages, ctxPfn, isAlive, ownerOf, pgoffOf, tEnd, tOwner, tStart, treeCount, vflags, vmasOf, type Bytes } from '../src/state/access.ts';
import { VF_START } from '../src/state/layout.ts';
import type { View } from '../src/state/describe.ts';
import { ownership } from '../src/state/design.ts';
import { addrOf, hex, pfnOf, pidOf } from '../src/state/geometry.ts';
import type { Invariant } from './invariant.ts';

/** The checker calls this on every new state: counts per ctx in a reused buffer, no allocation. */
let counts = new Int32Array(64);
const holds = (w: View, s: Bytes): boolean => {
  const { L } = w;
  if (counts.length < L.C + 1) counts = new Int32Array(L.C + 1);
  // a loop, not fill(): on these few counts the builtin's call costs more than the stores
  for (let c = 0; c <= L.C; c++) counts[c] = 0;
  const pieces = ownership(w.design) === 'ctx-pieces';
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (let v = 0; v < L.V; v++) {
      const f = vflags(L, s, p, v);
      if (!(f & VF_START)) continue;
      const o = ownerOf(L, s, p, v);
      if (!o) continue;
      if (o > L.C || !ctxLive(L, s, o)) return false;
      counts[o]++;
    }
  }
  const n = treeCount(L, s);
  for (let c = 1; c <= L.C; c++) {
    if (!ctxLive(L, s, c)) continue;
    if (ctxKref(L, s, c) !== counts[c]) return false;
    if (pieces) {
      for (let p = 0; p < L.P; p++) {
        if (!isAlive(L, s, p)) continue;
        for (let v = 0; v < L.V; v++) {
          if (ownerOf(L, s, p, v) !== c) continue;
          const fr = pgoffOf(L, s, p, v);
          let reserved = false;
          for (let i = 0; i < n && !reserved; i++) reserved = tOwner(L, s, i) === c && tStart(L, s, i) <= fr && fr < tEnd(L, s, i);
          if (!reserved) return false;
        }
      }
      continue;
    }
    let reserved = false;
    for (let i = 0; i < n && !reserved; i++)
      reserved = tOwner(L, s, i) === c && tStart(L, s, i) === ctxPfn(L, s, c) && tEnd(L, s, i) === ctxPfn(L, s, c) + ctxPages(L, s, c);
    if (!reserved) return false;
  }
  return true;
};

const check = (w: View, s: Bytes): string | null => (holds(w, s) ? null : explain(w, s));

/** The message, with the VMAs named: only for a state that breaks the invariant. */
const explain = (w: View, s: Bytes): string | null => {
  const { L } = w;
  const count = new Int32Array(L.C + 1);
  const users: string[][] = Array.from({ length: L.C + 1 }, () => []);
  const frames: number[][] = Array.from({ length: L.C + 1 }, () => []);
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (const m of vmasOf(L, s, p)) {
      if (!m.owner) continue;
      if (m.owner > L.C || !ctxLive(L, s, m.owner)) return `the VMA pid ${pidOf(p)} ${hex(addrOf(w.u, m.start))} points to ctx ${m.owner}, which does not exist`;
      count[m.owner]++;
      users[m.owner].push(`pid ${pidOf(p)} ${hex(addrOf(w.u, m.start))}`);
      for (let f = m.pgoff; f < m.pgoff + (m.end - m.start); f++) frames[m.owner].push(f);
    }
  }
  const n = treeCount(L, s);
  for (let c = 1; c <= L.C; c++) {
    if (!ctxLive(L, s, c)) continue;
    const k = ctxKref(L, s, c);
    if (k !== count[c])
      return `ctx ${c} has kref ${k} but ${count[c]} VMA${count[c] === 1 ? ' points' : 's point'} to it${count[c] ? ' (' + users[c].join(', ') + ')' : ''}`;
    if (ownership(w.design) === 'ctx-pieces') {
      // every frame a VMA of the ctx maps is reserved by the ctx
      for (const f of frames[c]) {
        let reserved = false;
        for (let i = 0; i < n && !reserved; i++) reserved = tOwner(L, s, i) === c && tStart(L, s, i) <= f && f < tEnd(L, s, i);
        if (!reserved) return `ctx ${c} (kref ${k}): frame ${hex(pfnOf(w.u, f))} is mapped by its VMAs but not reserved`;
      }
      continue;
    }
    let reserved = false;
    for (let i = 0; i < n && !reserved; i++)
      reserved = tOwner(L, s, i) === c && tStart(L, s, i) === ctxPfn(L, s, c) && tEnd(L, s, i) === ctxPfn(L, s, c) + ctxPages(L, s, c);
    if (!reserved) return `ctx ${c} (kref ${k}) tracks a range that is not reserved in the memtype tree`;
  }
  return null;
};

export const krefExact: Invariant = {
  name: 'kref-exact',
  kind: 'safety',
  statement:
    "each ctx's kref equals the number of live VMAs that point to it, in all address spaces; a ctx exists iff its count is > 0 and its range is reserved",
  designs: ['tracked', 'precise'],
  check,
};
