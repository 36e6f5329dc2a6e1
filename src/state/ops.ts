/**
 * The state effects of events, as in-place operations on a packed state: the building blocks
 * of the event kinds' `apply` handlers (src/events/codecs.ts), which are their only callers
 * and so the only code that writes state (src/reducer/evolve.ts). Callers guarantee the
 * preconditions (the decider by construction, replay by each kind's `validate`).
 */
import type { Bytes } from './access.ts';
import {
  HDR_BOUND,
  HDR_INVALID_END,
  HDR_INVALID_START,
  HDR_WARN,
  VF_IN_VMA,
  VF_START,
  BOUND_TREE,
  CORRUPT_VMA_OVERLAP,
  ctxOff,
  kOff,
  pageOff,
  procOff,
  treeOff,
  type Layout,
} from './layout.ts';

export const opProcAlive = (L: Layout, s: Bytes, p: number, alive: boolean): void => {
  s[procOff(L, p)] = alive ? 1 : 0;
};

/** A new VMA over [v0, v1): flags (VF_IN_VMA|VF_START added), pgoff of page v0, owner. */
export const opCreateVma = (L: Layout, s: Bytes, p: number, v0: number, v1: number, flags: number, pgoff: number, owner: number): void => {
  for (let v = v0; v < v1; v++) {
    const o = pageOff(L, p, v);
    if (s[o] & VF_IN_VMA) s[HDR_BOUND] |= CORRUPT_VMA_OVERLAP;
    s[o] = (flags & ~VF_START) | VF_IN_VMA | (v === v0 ? VF_START : 0);
    s[o + 1] = pgoff + (v - v0);
    s[o + 2] = owner;
  }
  // The page after a new VMA starts its own VMA, if any (boundaries never merge: VM_SPECIAL).
  if (v1 < L.V) {
    const o = pageOff(L, p, v1);
    if (s[o] & VF_IN_VMA) s[o] |= VF_START;
  }
};

/** __split_vma: a VMA boundary at page v. */
export const opSplit = (L: Layout, s: Bytes, p: number, v: number): void => {
  s[pageOff(L, p, v)] |= VF_START;
};

export const opModFlags = (L: Layout, s: Bytes, p: number, v0: number, v1: number, set: number, clear: number): void => {
  for (let v = v0; v < v1; v++) {
    const o = pageOff(L, p, v);
    s[o] = (s[o] & ~clear) | set;
  }
};

export const opSetOwner = (L: Layout, s: Bytes, p: number, v0: number, v1: number, owner: number): void => {
  for (let v = v0; v < v1; v++) s[pageOff(L, p, v) + 2] = owner;
};

/** vm_area_free: the VMA's page records vanish (its PTEs are already gone). */
export const opRemoveVma = (L: Layout, s: Bytes, p: number, v0: number, v1: number): void => {
  for (let v = v0; v < v1; v++) {
    const o = pageOff(L, p, v);
    s[o] = 0;
    s[o + 1] = 0;
    s[o + 2] = 0;
  }
};

export const opSetPte = (L: Layout, s: Bytes, p: number, v: number, pte: number): void => {
  s[pageOff(L, p, v) + 3] = pte;
};

export const opCtxAlloc = (L: Layout, s: Bytes, c: number, pfn: number, nrPages: number): void => {
  const o = ctxOff(L, c);
  s[o] = pfn;
  s[o + 1] = nrPages;
  s[o + 2] = 1;
};
export const opCtxKref = (L: Layout, s: Bytes, c: number, kref: number): void => {
  s[ctxOff(L, c) + 2] = kref;
};
export const opCtxFree = (L: Layout, s: Bytes, c: number): void => {
  const o = ctxOff(L, c);
  s[o] = 0;
  s[o + 1] = 0;
  s[o + 2] = 0;
};

export const opKernelSet = (L: Layout, s: Bytes, k: number, kind: number, pfn: number, nrPages: number, mode: number): void => {
  const o = kOff(L, k);
  s[o] = kind;
  s[o + 1] = pfn;
  s[o + 2] = nrPages;
  s[o + 3] = mode;
};

const entryLess = (s: Bytes, o: number, a: number, b: number, c: number, d: number): boolean => {
  if (s[o] !== a) return s[o] < a;
  if (s[o + 1] !== b) return s[o + 1] < b;
  if (s[o + 2] !== c) return s[o + 2] < c;
  return s[o + 3] < d;
};

/**
 * Insert (start, end, type, owner) keeping the entries sorted. Returns false, and marks
 * BOUND_TREE in the header, when the tree is full (the universe's treeMax bound).
 */
export const opTreeInsert = (L: Layout, s: Bytes, start: number, end: number, type: number, owner: number): boolean => {
  const n = s[L.treeCountOff];
  if (n >= L.T) {
    s[HDR_BOUND] |= BOUND_TREE;
    return false;
  }
  let i = n;
  // entries are 4 bytes: moved by hand (copyWithin and fill cost a builtin call each, several
  // times the few bytes they move here)
  while (i > 0 && !entryLess(s, treeOff(L, i - 1), start, end, type, owner)) {
    const to = treeOff(L, i);
    const from = treeOff(L, i - 1);
    for (let k = 0; k < 4; k++) s[to + k] = s[from + k];
    i--;
  }
  const o = treeOff(L, i);
  s[o] = start;
  s[o + 1] = end;
  s[o + 2] = type;
  s[o + 3] = owner;
  s[L.treeCountOff] = n + 1;
  return true;
};

export const opTreeRemove = (L: Layout, s: Bytes, i: number): void => {
  const n = s[L.treeCountOff];
  const end = treeOff(L, n);
  for (let o = treeOff(L, i); o + 4 < end; o++) s[o] = s[o + 4];
  for (let o = treeOff(L, n - 1); o < end; o++) s[o] = 0;
  s[L.treeCountOff] = n - 1;
};

/** Old memtype_erase END match: shrink entry i in place to [start, newEnd) (remove, re-insert). */
export const opTreeShrink = (L: Layout, s: Bytes, i: number, newEnd: number): void => {
  const o = treeOff(L, i);
  const start = s[o];
  const type = s[o + 2];
  const owner = s[o + 3];
  opTreeRemove(L, s, i);
  opTreeInsert(L, s, start, newEnd, type, owner);
};

/** precise: cut [start, end) out of entry i, keeping the pieces before and after it. */
export const opTreeCut = (L: Layout, s: Bytes, i: number, start: number, end: number): void => {
  const o = treeOff(L, i);
  const es = s[o];
  const ee = s[o + 1];
  const type = s[o + 2];
  const owner = s[o + 3];
  opTreeRemove(L, s, i);
  if (es < start) opTreeInsert(L, s, es, start, type, owner);
  if (end < ee) opTreeInsert(L, s, end, ee, type, owner);
};

export const opWarn = (s: Bytes, bit: number): void => {
  s[HDR_WARN] |= bit;
};

/** Remember the first failed memtype_free ("freeing invalid memtype"), a sticky fact. */
export const opInvalidFree = (s: Bytes, start: number, end: number): void => {
  if (s[HDR_INVALID_START] !== 0) return;
  s[HDR_INVALID_START] = start + 1;
  s[HDR_INVALID_END] = end;
};
