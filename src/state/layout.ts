/**
 * The packed state vector: one Uint8Array per state, laid out by the universe.
 * The same bytes serve the decider (models/), evolve and replay, the invariants and the checker,
 * so there is one representation of a state and no conversion on the hot path.
 *
 *   header   [warnMask, invalidFreeStart+1, invalidFreeEnd, boundFlags]
 *   procs    P blocks: [alive] then per virtual page [vflags, pgoff, owner, pte]
 *   ctxs     C slots (ids 1..C): [pfn, nrPages, kref]     nrPages = 0: free slot
 *   kernel   K slots: [kind, pfn, nrPages, cacheMode]      kind 0: free slot
 *   tree     [count] then T entries: [startPfn, endPfn, cacheMode, owner], sorted
 *
 * A VMA is a maximal run of pages with VF_IN_VMA, starting at a page with VF_START. Every page
 * of a VMA carries the VMA's flags and owner; `pgoff` is the page's own file offset in pages
 * (= the pfn index it maps for /dev/mem and for every remapped mapping), so a split only sets
 * VF_START and never rewrites attributes. VMAs have no identity beyond their position: the
 * symmetry over VMA ids is free.
 *
 * `owner` is the pfnmap_track_ctx id (tracked, precise) or the VM_PAT lineage id (legacy, a
 * ghost that names which tree entry a VM_PAT VMA is responsible for). 0: untracked.
 * Tree owners: 1..C a ctx or lineage, OWNER_KERNEL + k a kernel reservation slot k.
 */
import { LIMITS, type Universe } from './universe.ts';

export const VF_IN_VMA = 0x01;
export const VF_START = 0x02;
export const VF_SHARED = 0x04;
/** VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP (VM_REMAP_FLAGS), set by remap_pfn_range. */
export const VF_PFNMAP = 0x08;
export const VF_DONTCOPY = 0x10;
export const VF_READ = 0x20;
export const VF_WRITE = 0x40;
/** The VMA belongs to a driver with a fault handler (vmf_insert_pfn), not to /dev/mem. */
export const VF_DRIVER = 0x80;
/** The VM_READ / VM_WRITE bits an mprotect `prot` asks for (calc_vm_prot_bits). */
export const protFlags = (prot: string): number => (prot === 'PROT_NONE' ? 0 : prot === 'PROT_READ' ? VF_READ : VF_READ | VF_WRITE);
/** Flags a split copies to both pieces (everything but the boundary bit). */
export const VF_ATTRS = VF_SHARED | VF_PFNMAP | VF_DONTCOPY | VF_READ | VF_WRITE | VF_DRIVER;

/** PTE byte: 0 none; PTE_ANON an anonymous COW copy; else pfn+1 in bits 0-3, cache mode in 4-6. */
export const PTE_ANON = 0x80;
export const ptePack = (pfn: number, mode: number): number => (pfn + 1) | (mode << 4);
export const ptePfn = (pte: number): number => (pte & 0x0f) - 1;
export const pteMode = (pte: number): number => (pte >> 4) & 0x07;
export const pteIsSpecial = (pte: number): boolean => pte !== 0 && (pte & PTE_ANON) === 0;

export const OWNER_KERNEL = 0x80;

export const KERNEL_MEMREMAP = 1;
export const KERNEL_IOREMAP = 2;

/** Sticky WARN bits in header byte 0 (invariant no-warn). */
export const WARN_GET_PAT_INFO = 0x01;
export const WARN_REFCOUNT_UNDERFLOW = 0x02;
export const WARN_REFCOUNT_SATURATED = 0x04;
/** Not a WARN but a BUG: remap_pte_range's BUG_ON(!pte_none) when a remap fills a present PTE. */
export const WARN_BUG_REMAP_PTE = 0x08;
export const WARN_KINDS: readonly { bit: number; name: string; text: string }[] = [
  { bit: WARN_GET_PAT_INFO, name: 'get_pat_info', text: 'WARNING in get_pat_info (no usable first PTE to untrack from)' },
  { bit: WARN_REFCOUNT_UNDERFLOW, name: 'refcount_underflow', text: 'refcount_t: underflow; use-after-free.' },
  { bit: WARN_REFCOUNT_SATURATED, name: 'refcount_saturated', text: 'refcount_t: saturated; leaking memory.' },
  { bit: WARN_BUG_REMAP_PTE, name: 'remap_pte_bug', text: 'kernel BUG at mm/memory.c: remap_pte_range over a present PTE' },
];

/** Header byte 3: bounds the state ran into (the checker reports them, never expands them). */
export const BOUND_TREE = 0x01;
/** Header byte 3: a VMA was created over pages already mapped (a vma-no-overlap violation). */
export const CORRUPT_VMA_OVERLAP = 0x02;

export interface Layout {
  readonly P: number;
  readonly V: number;
  readonly N: number;
  /** ctx / lineage id slots (ids 1..C). */
  readonly C: number;
  readonly K: number;
  readonly T: number;
  readonly procBytes: number;
  readonly ctxBase: number;
  readonly kBase: number;
  /** offset of the tree's entry count */
  readonly treeCountOff: number;
  readonly treeBase: number;
  readonly size: number;
}

export const HDR_WARN = 0;
export const HDR_INVALID_START = 1;
export const HDR_INVALID_END = 2;
export const HDR_BOUND = 3;
const HDR = 4;

export const layoutOf = (u: Pick<Universe, 'procs' | 'vpages' | 'pfns' | 'treeMax' | 'kernelSlots'>): Layout => {
  const P = u.procs;
  const V = u.vpages;
  const N = u.pfns;
  // Every live ctx (or lineage) is named by a VMA or a tree entry: at most P*V VMAs plus T entries.
  const C = Math.min(OWNER_KERNEL - 1, P * V + u.treeMax);
  const K = u.kernelSlots;
  const T = u.treeMax;
  const procBytes = 1 + 4 * V;
  const ctxBase = HDR + P * procBytes;
  const kBase = ctxBase + 3 * C;
  const treeCountOff = kBase + 4 * K;
  const treeBase = treeCountOff + 1;
  // padded to whole 32-bit words: the fingerprint reads the state a word at a time
  const size = (treeBase + 4 * T + 3) & ~3;
  return { P, V, N, C, K, T, procBytes, ctxBase, kBase, treeCountOff, treeBase, size };
};

export const procOff = (L: Layout, p: number): number => HDR + p * L.procBytes;
/** Offset of the 4-byte page record of virtual page v in address space p. */
export const pageOff = (L: Layout, p: number, v: number): number => HDR + p * L.procBytes + 1 + 4 * v;
export const ctxOff = (L: Layout, c: number): number => L.ctxBase + 3 * (c - 1);
export const kOff = (L: Layout, k: number): number => L.kBase + 4 * k;
export const treeOff = (L: Layout, i: number): number => L.treeBase + 4 * i;

export const checkLimits = (u: Universe): string | null => {
  if (u.procs > LIMITS.procs) return `procs ${u.procs} exceeds ${LIMITS.procs}`;
  if (u.vpages > LIMITS.vpages) return `vpages ${u.vpages} exceeds ${LIMITS.vpages}`;
  if (u.pfns > LIMITS.pfns) return `pfns ${u.pfns} exceeds ${LIMITS.pfns}`;
  return null;
};
