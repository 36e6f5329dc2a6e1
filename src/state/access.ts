/**
 * Read access to a packed state (see layout.ts). Pure functions, no allocation on the
 * helpers the checker calls in its inner loop (the ones returning numbers).
 */
import {
  HDR_BOUND,
  HDR_INVALID_END,
  HDR_INVALID_START,
  HDR_WARN,
  OWNER_KERNEL,
  VF_IN_VMA,
  VF_START,
  ctxOff,
  kOff,
  pageOff,
  procOff,
  treeOff,
  type Layout,
} from './layout.ts';

export type Bytes = Uint8Array;

export const isAlive = (L: Layout, s: Bytes, p: number): boolean => s[procOff(L, p)] === 1;
export const vflags = (L: Layout, s: Bytes, p: number, v: number): number => s[pageOff(L, p, v)];
export const pgoffOf = (L: Layout, s: Bytes, p: number, v: number): number => s[pageOff(L, p, v) + 1];
export const ownerOf = (L: Layout, s: Bytes, p: number, v: number): number => s[pageOff(L, p, v) + 2];
export const pteOf = (L: Layout, s: Bytes, p: number, v: number): number => s[pageOff(L, p, v) + 3];
export const inVma = (L: Layout, s: Bytes, p: number, v: number): boolean =>
  (s[pageOff(L, p, v)] & VF_IN_VMA) !== 0;

/** First page of the VMA containing v (v must be in a VMA). */
export const vmaStartOf = (L: Layout, s: Bytes, p: number, v: number): number => {
  while ((s[pageOff(L, p, v)] & VF_START) === 0 && v > 0) v--;
  return v;
};
/** One past the last page of the VMA starting at (or containing) v. */
export const vmaEndOf = (L: Layout, s: Bytes, p: number, v: number): number => {
  let e = v + 1;
  while (e < L.V) {
    const f = s[pageOff(L, p, e)];
    if ((f & VF_IN_VMA) === 0 || (f & VF_START) !== 0) break;
    e++;
  }
  return e;
};

export interface VmaView {
  readonly start: number;
  readonly end: number;
  readonly flags: number;
  readonly pgoff: number;
  readonly owner: number;
}

/** The VMAs of an address space in ascending order (allocates: not for the inner loop). */
export const vmasOf = (L: Layout, s: Bytes, p: number): VmaView[] => {
  const out: VmaView[] = [];
  let v = 0;
  while (v < L.V) {
    if (!inVma(L, s, p, v)) {
      v++;
      continue;
    }
    const e = vmaEndOf(L, s, p, v);
    out.push({ start: v, end: e, flags: vflags(L, s, p, v), pgoff: pgoffOf(L, s, p, v), owner: ownerOf(L, s, p, v) });
    v = e;
  }
  return out;
};

export const ctxLive = (L: Layout, s: Bytes, c: number): boolean => s[ctxOff(L, c) + 1] !== 0;
export const ctxPfn = (L: Layout, s: Bytes, c: number): number => s[ctxOff(L, c)];
export const ctxPages = (L: Layout, s: Bytes, c: number): number => s[ctxOff(L, c) + 1];
export const ctxKref = (L: Layout, s: Bytes, c: number): number => s[ctxOff(L, c) + 2];

export const kKind = (L: Layout, s: Bytes, k: number): number => s[kOff(L, k)];
export const kPfn = (L: Layout, s: Bytes, k: number): number => s[kOff(L, k) + 1];
export const kPages = (L: Layout, s: Bytes, k: number): number => s[kOff(L, k) + 2];
export const kMode = (L: Layout, s: Bytes, k: number): number => s[kOff(L, k) + 3];

export const treeCount = (L: Layout, s: Bytes): number => s[L.treeCountOff];
export const tStart = (L: Layout, s: Bytes, i: number): number => s[treeOff(L, i)];
export const tEnd = (L: Layout, s: Bytes, i: number): number => s[treeOff(L, i) + 1];
export const tType = (L: Layout, s: Bytes, i: number): number => s[treeOff(L, i) + 2];
export const tOwner = (L: Layout, s: Bytes, i: number): number => s[treeOff(L, i) + 3];
export const isKernelOwner = (o: number): boolean => o >= OWNER_KERNEL;

export const warnMask = (s: Bytes): number => s[HDR_WARN];
export const invalidFree = (s: Bytes): { start: number; end: number } | null =>
  s[HDR_INVALID_START] === 0 ? null : { start: s[HDR_INVALID_START] - 1, end: s[HDR_INVALID_END] };
export const boundFlags = (s: Bytes): number => s[HDR_BOUND];

/** Lowest free ctx slot id, or 0 when all are in use. */
export const freeCtxId = (L: Layout, s: Bytes): number => {
  for (let c = 1; c <= L.C; c++) if (s[ctxOff(L, c) + 1] === 0) return c;
  return 0;
};

/** Is id c named by any VMA page or tree entry? (legacy lineage ids live only there) */
export const ownerInUse = (L: Layout, s: Bytes, c: number): boolean => {
  for (let p = 0; p < L.P; p++) for (let v = 0; v < L.V; v++) if (s[pageOff(L, p, v) + 2] === c) return true;
  const n = s[L.treeCountOff];
  for (let i = 0; i < n; i++) if (s[treeOff(L, i) + 3] === c) return true;
  return false;
};

export const freeKernelSlot = (L: Layout, s: Bytes): number => {
  for (let k = 0; k < L.K; k++) if (s[kOff(L, k)] === 0) return k;
  return -1;
};

export const freeProc = (L: Layout, s: Bytes): number => {
  for (let p = 0; p < L.P; p++) if (s[procOff(L, p)] === 0) return p;
  return -1;
};

/**
 * The entries memtype_free(start, end) can match (reference §1.5), for an owner to prefer:
 * the EXACT match (identical entries are interchangeable to the kernel; the owner's own is
 * preferred) and the END match of the old memtype_erase (entry.start < start, entry.end = end;
 * the interval tree yields the lowest start first, among equal starts the owner's own), as
 * (exact + 1) | (end + 1) << 9, 0 for none; read with matchExact / matchEnd. The decider
 * classifies a free with it, and the memtype_free event's effect finds its entry with it.
 */
export const memtypeFreeMatch = (L: Layout, s: Bytes, start: number, end: number, owner: number): number => {
  const n = s[L.treeCountOff];
  let exact = -1;
  let endm = -1;
  for (let k = 0; k < n; k++) {
    const o = treeOff(L, k);
    if (s[o + 1] !== end) continue;
    const ks = s[o];
    if (ks === start) {
      if (exact < 0 || (s[o + 3] === owner && s[treeOff(L, exact) + 3] !== owner)) exact = k;
    } else if (ks < start) {
      if (endm < 0 || (ks === s[treeOff(L, endm)] && s[o + 3] === owner && s[treeOff(L, endm) + 3] !== owner)) endm = k;
    }
  }
  return exact + 1 + ((endm + 1) << 9);
};
export const matchExact = (m: number): number => (m & 0x1ff) - 1;
export const matchEnd = (m: number): number => (m >>> 9) - 1;

/** The owner's tree entry that contains [start, end) (the precise design's partial free), or -1. */
export const ownerEntryContaining = (L: Layout, s: Bytes, start: number, end: number, owner: number): number => {
  const n = s[L.treeCountOff];
  for (let i = 0; i < n; i++) {
    const o = treeOff(L, i);
    if (s[o + 3] === owner && s[o] <= start && s[o + 1] >= end) return i;
  }
  return -1;
};
