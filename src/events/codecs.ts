/**
 * Every fact the model knows, once (MODEL.md §4): an event kind named after the kernel function
 * that makes it happen, its fields with their units, and beside it the one handler that writes
 * its effect on the state (`apply`, the model's evolve) with the checks replay makes before it
 * (`validate`). The TypeScript types are derived from the codecs. Log payloads carry units in
 * their names: `addr` (virtual bytes), `pfn` (page frame number), `nrPages`,
 * `startPaddr`/`endPaddr` (physical bytes, end exclusive), `kref` (count after the change).
 *
 * Facts carry their outcomes (a reservation's resolved type, a kref's new count, a free's match,
 * a dup's result): the machines decided them, the effect applies them. Two kernel errors are
 * effects, not rejections, so that the invariants can report them: a memtype_free that finds no
 * entry is recorded as the kernel's failed free ("freeing invalid memtype"), and a kref_get,
 * kref_put or release of a released ctx is the kernel's refcount_t WARN.
 */
import * as t from 'io-ts';
import type { Bytes } from '../state/access.ts';
import { ctxKref, ctxLive, isAlive, kKind, memtypeFreeMatch, matchEnd, matchExact, ownerEntryContaining, ownerOf, pteOf, treeCount, vflags, vmaEndOf, vmaStartOf } from '../state/access.ts';
import { hex } from '../state/geometry.ts';
import { hasVmPat, memtypeFreeMatches, ownerVocabulary } from '../state/design.ts';
import {
  KERNEL_IOREMAP,
  KERNEL_MEMREMAP,
  OWNER_KERNEL,
  PTE_ANON,
  VF_DRIVER,
  VF_IN_VMA,
  VF_READ,
  VF_SHARED,
  VF_START,
  VF_WRITE,
  WARN_KINDS,
  WARN_REFCOUNT_SATURATED,
  WARN_REFCOUNT_UNDERFLOW,
  pageOff,
  ptePack,
  pteIsSpecial,
} from '../state/layout.ts';
import * as op from '../state/ops.ts';
import { PAGE_SIZE } from '../state/universe.ts';
import { ProtC } from './commands.ts';
import { EVENT_STRIDE, defineEvent, reject, type EventKind, type EvolveContext } from './eventKind.ts';
import { F, FLAG_VM_PAT, OwnerC, VM_FLAG_NAMES, type VmFlag } from './fields.ts';

export const Owner = OwnerC;
export type Owner = t.TypeOf<typeof OwnerC>;
export type { VmFlag };
export const VmFlagC = t.keyof(Object.fromEntries(VM_FLAG_NAMES.map((n) => [n, null])) as Record<VmFlag, null>);
export const CacheModeC = F.cacheMode.codec;

// --- checks replay makes before an event applies ------------------------------------------------

const addrText = (c: EvolveContext, v: number): string => hex((c.g.vaBasePage + v) * PAGE_SIZE);
const paddrText = (c: EvolveContext, i: number): string => hex((c.g.physBasePfn + i) * PAGE_SIZE);

/** Address-space slot p exists and is alive. */
const liveSlot = (c: EvolveContext, s: Bytes, p: number, field = 'pid'): void => {
  if (!(p >= 0 && p < c.L.P)) reject(`pid ${p + 1} is outside the universe (procs ${c.L.P})`, field);
  if (!isAlive(c.L, s, p)) reject(`pid ${p + 1} has no live address space`, field);
};
/** [v0, v0 + n) is a range of whole pages inside the window. */
const pageRange = (c: EvolveContext, v0: number, n: number, field = 'addr'): void => {
  if (!Number.isInteger(n) || n < 1) reject(`nrPages ${n} must be a positive integer`, 'nrPages');
  if (v0 < 0 || v0 + n > c.L.V) reject(`range ${addrText(c, v0)} + ${n} pages is outside the universe's ${c.L.V} virtual pages`, field);
};
/** [i, i + n) are device frames of the universe. */
const frameRange = (c: EvolveContext, i: number, n: number, field = 'pfn'): void => {
  if (i < 0 || i + n > c.L.N) reject(`pfn ${hex(c.g.physBasePfn + i)} + ${n} pages is outside the universe's device frames`, field);
};
/** [a, b) is a non-empty physical range of the universe's device frames. */
const paddrRange = (c: EvolveContext, a: number, b: number): void => {
  if (a < 0 || a > c.L.N) reject(`startPaddr ${paddrText(c, a)} is not a page of the universe's device range`, 'startPaddr');
  if (b < 0 || b > c.L.N) reject(`endPaddr ${paddrText(c, b)} is not a page of the universe's device range`, 'endPaddr');
  if (a >= b) reject(`startPaddr ${paddrText(c, a)} must be below endPaddr ${paddrText(c, b)}`, 'endPaddr');
};
/** [v0, v1) of p is exactly one VMA. */
const wholeVma = (c: EvolveContext, s: Bytes, p: number, v0: number, v1: number, what: string): void => {
  if (!(vflags(c.L, s, p, v0) & VF_IN_VMA)) reject(`${what}: no VMA at ${addrText(c, v0)}`, 'addr');
  const vs = vmaStartOf(c.L, s, p, v0);
  if (vs !== v0 || vmaEndOf(c.L, s, p, v0) !== v1)
    reject(`${what}: ${addrText(c, v0)}-${addrText(c, v1)} is not a whole VMA (the VMA is ${addrText(c, vs)}-${addrText(c, vmaEndOf(c.L, s, p, vs))})`, 'nrPages');
};
/** [v0, v1) of p lies inside one VMA; its start. */
const withinVma = (c: EvolveContext, s: Bytes, p: number, v0: number, v1: number, what: string): number => {
  if (!(vflags(c.L, s, p, v0) & VF_IN_VMA)) reject(`${what}: no VMA at ${addrText(c, v0)}`, 'addr');
  const vs = vmaStartOf(c.L, s, p, v0);
  if (vmaEndOf(c.L, s, p, vs) < v1) reject(`${what}: ${addrText(c, v0)}-${addrText(c, v1)} crosses the end of its VMA`, 'nrPages');
  return vs;
};
const ctxSlot = (c: EvolveContext, id: number): void => {
  if (!Number.isInteger(id) || id < 1 || id > c.L.C) reject(`ctxId ${id} is outside 1..${c.L.C}`, 'ctxId');
};
const kernelSlot = (c: EvolveContext, handle: number): void => {
  if (!Number.isInteger(handle) || handle < 1 || handle > c.L.K) reject(`handle ${handle} is outside the universe's ${c.L.K} kernel slots`, 'handle');
};
/** A tree owner id the universe can hold, named as the design names owners. */
const ownerSlot = (c: EvolveContext, o: number): void => {
  if (o >= OWNER_KERNEL) kernelSlot(c, o - OWNER_KERNEL + 1);
  else if (o > c.L.C) reject(`owner id ${o} is outside 1..${c.L.C}`, 'owner');
};
const vmPat = (c: EvolveContext, what: string, field: string): void => {
  if (!hasVmPat(c.design)) reject(`${what} exists only in the VM_PAT designs (v6.1-v6.15), not in ${c.design.name}`, field);
};

// --- steps: the command that opens a step, with its result ------------------------------------

const SIGNALS = ['SIGBUS', 'SIGSEGV'] as const;

/** A user-space command with its result; opens a step. `signal` for faults that kill. */
export const Syscall = defineEvent({
  type: 'syscall',
  fields: [['pid', F.pid], ['cmd', F.cmd], ['ret', F.int]],
  optional: [['signal', F.oneOf(SIGNALS)]],
  validate: (c, s, b, o) => liveSlot(c, s, b[o]),
});
/** A kernel-side operation (no address space) with its result; opens a step. */
export const KernelCall = defineEvent({ type: 'kernel_call', fields: [['cmd', F.cmd], ['ret', F.int]] });

// --- VMAs ---------------------------------------------------------------------------------------

const PROTS = Object.keys(ProtC.keys) as ('PROT_NONE' | 'PROT_READ' | 'PROT_READ|PROT_WRITE')[];
/** mmap_region's prot, in the integer form */
export const PROT_NONE = PROTS.indexOf('PROT_NONE');
export const PROT_R = PROTS.indexOf('PROT_READ');
export const PROT_RW = PROTS.indexOf('PROT_READ|PROT_WRITE');

/** mmap_region: a new VMA [addr, addr + nrPages pages) before the driver's mmap hook ran. */
export const MmapRegion = defineEvent({
  type: 'mmap_region',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['pgoff', F.pfn], ['shared', F.bool], ['driver', F.bool], ['prot', F.oneOf(PROTS)]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
    frameRange(c, b[o + 3], b[o + 2], 'pgoff');
  },
  apply: (c, s, b, o) => {
    const prot = b[o + 6];
    const flags = (b[o + 4] ? VF_SHARED : 0) | (b[o + 5] ? VF_DRIVER : 0) | (prot !== PROT_NONE ? VF_READ : 0) | (prot === PROT_RW ? VF_WRITE : 0);
    op.opCreateVma(c.L, s, b[o], b[o + 1], b[o + 1] + b[o + 2], flags, b[o + 3], 0);
  },
});

/** vm_flags_set / vm_flags_clear on one whole VMA: VM_PAT (legacy) sets or clears the VMA's lineage. */
const vmFlags = (set: boolean) => ({
  validate: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
    wholeVma(c, s, b[o], b[o + 1], b[o + 1] + b[o + 2], set ? 'vm_flags_set' : 'vm_flags_clear');
    if (b[o + 3] & FLAG_VM_PAT) {
      vmPat(c, 'VM_PAT', 'flags');
      if (set && Number.isNaN(b[o + 4])) reject('vm_flags_set VM_PAT needs the lineage it tracks', 'lineage');
      if (set) ownerSlot(c, b[o + 4]);
    }
  },
  apply: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    const p = b[o];
    const v0 = b[o + 1];
    const v1 = v0 + b[o + 2];
    const bits = b[o + 3];
    if (bits & FLAG_VM_PAT) op.opSetOwner(c.L, s, p, v0, v1, set ? b[o + 4] : 0);
    const vf = bits & 0xff;
    if (vf) op.opModFlags(c.L, s, p, v0, v1, set ? vf : 0, set ? 0 : vf);
  },
});
export const VmFlagsSet = defineEvent({
  type: 'vm_flags_set',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['flags', F.flags]],
  optional: [['lineage', F.int]],
  ...vmFlags(true),
});
export const VmFlagsClear = defineEvent({ type: 'vm_flags_clear', fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['flags', F.flags]], ...vmFlags(false) });

/** untrack_pfn_clear: VM_PAT cleared on the VMA, the tree untouched. */
export const UntrackPfnClear = defineEvent({
  type: 'untrack_pfn_clear',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
    wholeVma(c, s, b[o], b[o + 1], b[o + 1] + b[o + 2], 'untrack_pfn_clear');
    vmPat(c, 'untrack_pfn_clear', 'type');
  },
  apply: (c, s, b, o) => op.opSetOwner(c.L, s, b[o], b[o + 1], b[o + 1] + b[o + 2], 0),
});

const DUP_REASONS = ['split', 'mremap', 'fork'] as const;
export const DUP_SPLIT = DUP_REASONS.indexOf('split');
export const DUP_MREMAP = DUP_REASONS.indexOf('mremap');
export const DUP_FORK = DUP_REASONS.indexOf('fork');
/**
 * vm_area_dup: a copy of [addr, addr + nrPages pages) of a VMA appears at dstPid:dstAddr
 * (split: the same place, a head or tail piece of the VMA, which gets a boundary where it meets
 * the rest; mremap: elsewhere in the same mm; fork: the child). ret < 0: the dup was refused and
 * nothing changed.
 */
export const VmAreaDup = defineEvent({
  type: 'vm_area_dup',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['reason', F.oneOf(DUP_REASONS)], ['dstPid', F.pid], ['dstAddr', F.addr], ['ret', F.int]],
  validate: (c, s, b, o) => {
    const p = b[o];
    const v0 = b[o + 1];
    const n = b[o + 2];
    liveSlot(c, s, p);
    pageRange(c, v0, n);
    const vs = withinVma(c, s, p, v0, v0 + n, 'vm_area_dup');
    if (b[o + 6] !== 0) return;
    if (b[o + 3] === DUP_SPLIT) {
      if (b[o + 4] !== p || b[o + 5] !== v0) reject('a split dup stays in place (dstPid/dstAddr = pid/addr)', 'dstAddr');
      const ve = vmaEndOf(c.L, s, p, vs);
      if (v0 === vs && v0 + n === ve) reject('a split piece must be a proper head or tail of its VMA', 'nrPages');
      if (v0 !== vs && v0 + n !== ve) reject('a split piece must start or end where its VMA does', 'addr');
      return;
    }
    liveSlot(c, s, b[o + 4], 'dstPid');
    pageRange(c, b[o + 5], n, 'dstAddr');
  },
  apply: (c, s, b, o) => {
    if (b[o + 6] !== 0) return;
    const p = b[o];
    const v0 = b[o + 1];
    const v1 = v0 + b[o + 2];
    if (b[o + 3] === DUP_SPLIT) {
      // the boundary is where the new piece meets the rest of the VMA
      op.opSplit(c.L, s, p, s[pageOff(c.L, p, v0)] & VF_START ? v1 : v0);
      return;
    }
    const src = pageOff(c.L, p, v0);
    const d0 = b[o + 5];
    op.opCreateVma(c.L, s, b[o + 4], d0, d0 + (v1 - v0), s[src], s[src + 1], s[src + 2]);
  },
});

/** vm_area_free: the VMA [addr, addr + nrPages pages) is gone (its PTEs already zapped). */
export const VmAreaFree = defineEvent({
  type: 'vm_area_free',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
    wholeVma(c, s, b[o], b[o + 1], b[o + 1] + b[o + 2], 'vm_area_free');
  },
  // PTEs left behind (unmap_vmas zaps before remove_vma) stay: vma-no-overlap reports them
  apply: (c, s, b, o) => op.opRemoveVma(c.L, s, b[o], b[o + 1], b[o + 1] + b[o + 2]),
});

// --- page tables --------------------------------------------------------------------------------

export const SetPteRange = defineEvent({
  type: 'set_pte_range',
  fields: [['pid', F.pid], ['addr', F.addr], ['pfn', F.pfn], ['nrPages', F.int], ['cacheMode', F.cacheMode]],
  validate: (c, s, b, o) => {
    const p = b[o];
    const v0 = b[o + 1];
    const n = b[o + 3];
    liveSlot(c, s, p);
    pageRange(c, v0, n);
    withinVma(c, s, p, v0, v0 + n, 'set_pte_range');
    frameRange(c, b[o + 2], n);
    for (let v = v0; v < v0 + n; v++) if (pteOf(c.L, s, p, v) !== 0) reject(`set_pte_range: the PTE at ${addrText(c, v)} is not none (remap_pte_range BUG_ON)`, 'addr');
  },
  apply: (c, s, b, o) => {
    const v0 = b[o + 1];
    for (let j = 0; j < b[o + 3]; j++) op.opSetPte(c.L, s, b[o], v0 + j, ptePack(b[o + 2] + j, b[o + 4]));
  },
});
export const ZapPteRange = defineEvent({
  type: 'zap_pte_range',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
  },
  apply: (c, s, b, o) => {
    for (let v = b[o + 1]; v < b[o + 1] + b[o + 2]; v++) op.opSetPte(c.L, s, b[o], v, 0);
  },
});
/** move_page_tables: the PTEs of [addr, +nrPages) move to newAddr (mremap's move). */
export const MovePageTables = defineEvent({
  type: 'move_page_tables',
  fields: [['pid', F.pid], ['addr', F.addr], ['newAddr', F.addr], ['nrPages', F.int]],
  validate: (c, s, b, o) => {
    const n = b[o + 3];
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], n);
    pageRange(c, b[o + 2], n, 'newAddr');
    withinVma(c, s, b[o], b[o + 2], b[o + 2] + n, 'move_page_tables destination');
  },
  apply: (c, s, b, o) => {
    const L = c.L;
    const p = b[o];
    const v0 = b[o + 1];
    const d0 = b[o + 2];
    const n = b[o + 3];
    // in the direction that reads every source PTE before it is overwritten
    if (d0 < v0) for (let i = 0; i < n; i++) op.opSetPte(L, s, p, d0 + i, s[pageOff(L, p, v0 + i) + 3]);
    else for (let i = n - 1; i >= 0; i--) op.opSetPte(L, s, p, d0 + i, s[pageOff(L, p, v0 + i) + 3]);
    for (let i = 0; i < n; i++) if (v0 + i < d0 || v0 + i >= d0 + n) op.opSetPte(L, s, p, v0 + i, 0);
  },
});
export const CopyPageRange = defineEvent({
  type: 'copy_page_range',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['dstPid', F.pid], ['ret', F.int]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], b[o + 2]);
    liveSlot(c, s, b[o + 3], 'dstPid');
    if (b[o + 4] === 0) withinVma(c, s, b[o + 3], b[o + 1], b[o + 1] + b[o + 2], 'copy_page_range destination');
  },
  apply: (c, s, b, o) => {
    if (b[o + 4] !== 0) return;
    for (let v = b[o + 1]; v < b[o + 1] + b[o + 2]; v++) op.opSetPte(c.L, s, b[o + 3], v, s[pageOff(c.L, b[o], v) + 3]);
  },
});
/** wp_page_copy: a write fault replaced the PTE with an anonymous COW copy. */
export const WpPageCopy = defineEvent({
  type: 'wp_page_copy',
  fields: [['pid', F.pid], ['addr', F.addr]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    pageRange(c, b[o + 1], 1);
    withinVma(c, s, b[o], b[o + 1], b[o + 1] + 1, 'wp_page_copy');
    if (!pteIsSpecial(pteOf(c.L, s, b[o], b[o + 1]))) reject(`wp_page_copy: no PFN PTE at ${addrText(c, b[o + 1])} to copy`, 'addr');
  },
  apply: (c, s, b, o) => op.opSetPte(c.L, s, b[o], b[o + 1], PTE_ANON),
});

// --- remap and tracking hooks (markers: the state changes are the facts they cause) -----------

export const RemapPfnRange = defineEvent({
  type: 'remap_pfn_range',
  fields: [['pid', F.pid], ['addr', F.addr], ['pfn', F.pfn], ['nrPages', F.int], ['cacheMode', F.cacheMode], ['whole', F.bool]],
});
export const RemapPfnRangeDone = defineEvent({ type: 'remap_pfn_range_done', fields: [['pid', F.pid], ['addr', F.addr], ['ret', F.int]] });
export const PfnmapTrack = defineEvent({ type: 'pfnmap_track', fields: [['pfn', F.pfn], ['nrPages', F.int], ['cacheMode', F.cacheMode]] });
export const PfnmapUntrack = defineEvent({ type: 'pfnmap_untrack', fields: [['pfn', F.pfn], ['nrPages', F.int]] });
export const PfnmapSetupCachemode = defineEvent({
  type: 'pfnmap_setup_cachemode',
  fields: [['pfn', F.pfn], ['nrPages', F.int], ['ret', F.int], ['cacheMode', F.cacheMode]],
});
export const TrackPfnRemap = defineEvent({
  type: 'track_pfn_remap',
  fields: [['pid', F.pid], ['addr', F.addr], ['pfn', F.pfn], ['nrPages', F.int], ['ret', F.int]],
});
export const TrackPfnCopy = defineEvent({ type: 'track_pfn_copy', fields: [['pid', F.pid], ['addr', F.addr], ['dstPid', F.pid], ['ret', F.int]] });
/** untrack_pfn: without a pfn, get_pat_info found no usable first PTE. */
export const UntrackPfn = defineEvent({
  type: 'untrack_pfn',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int]],
  optional: [['pfn', F.pfn], ['ret', F.int]],
});
export const UntrackPfnCopy = defineEvent({ type: 'untrack_pfn_copy', fields: [['pid', F.pid], ['addr', F.addr], ['pfn', F.pfn], ['nrPages', F.int]] });

// --- memtype tree -------------------------------------------------------------------------------

export const PRINTK_CONFLICT = 'conflicting memory types';
export const PRINTK_INVALID_FREE = 'freeing invalid memtype';

/** memtype_reserve: with ret 0 the entry [start, end) of type newType is in the tree, for its owner. */
export const MemtypeReserve = defineEvent({
  type: 'memtype_reserve',
  fields: [['startPaddr', F.paddr], ['endPaddr', F.paddr], ['reqType', F.cacheMode], ['newType', F.cacheMode], ['strict', F.bool], ['ret', F.int], ['owner', F.owner]],
  annotations: { printk: t.string },
  annotate: (_c, b, o) => (b[o + 5] !== 0 ? { printk: PRINTK_CONFLICT } : {}),
  validate: (c, s, b, o) => {
    paddrRange(c, b[o], b[o + 1]);
    ownerSlot(c, b[o + 6]);
    if (b[o + 5] === 0 && treeCount(c.L, s) >= c.L.T) reject(`the memtype tree is full (treeMax ${c.L.T})`, 'startPaddr');
  },
  // a full tree marks the state as cut at the treeMax bound (the checker drops it)
  apply: (c, s, b, o) => {
    if (b[o + 5] === 0) op.opTreeInsert(c.L, s, b[o], b[o + 1], b[o + 3], b[o + 6]);
  },
});

const MATCHES = ['exact', 'end', 'part', 'none'] as const;
export const MATCH_EXACT = MATCHES.indexOf('exact');
export const MATCH_END = MATCHES.indexOf('end');
export const MATCH_PART = MATCHES.indexOf('part');
export const MATCH_NONE = MATCHES.indexOf('none');
/**
 * memtype_free of [start, end): the entry it matched removed (exact), shrunk (end: the old
 * memtype_erase), cut out (part: the precise design), or nothing (none: "freeing invalid
 * memtype", -EINVAL). `owner` names the entry among identical ones.
 */
export const MemtypeFree = defineEvent({
  type: 'memtype_free',
  fields: [['startPaddr', F.paddr], ['endPaddr', F.paddr], ['ret', F.int], ['match', F.oneOf(MATCHES)]],
  optional: [['owner', F.owner]],
  /** the tree entry the match names, as the decider found it (memtypeFreeMatch / ownerEntryContaining) */
  hints: ['entry'],
  annotations: { printk: t.string },
  annotate: (_c, b, o) => (b[o + 3] === MATCH_NONE ? { printk: PRINTK_INVALID_FREE } : {}),
  validate: (c, _s, b, o) => {
    paddrRange(c, b[o], b[o + 1]);
    if (!Number.isNaN(b[o + 4])) ownerSlot(c, b[o + 4]);
    if (b[o + 3] === MATCH_PART && !memtypeFreeMatches(c.design).part) reject(`a partial free exists only in the precise design, not in ${c.design.name}`, 'match');
    if (b[o + 3] === MATCH_END && !memtypeFreeMatches(c.design).end)
      reject(`an END-match free (shrink) exists only where memtype_erase has the END match (before v6.16), not in ${c.design.name}`, 'match');
  },
  apply: (c, s, b, o) => {
    const a = b[o];
    const e = b[o + 1];
    const match = b[o + 3];
    const hint = b[o + 5];
    if (hint >= 0) {
      // the decider's own search of this state: the entry the match names
      if (match === MATCH_EXACT) op.opTreeRemove(c.L, s, hint);
      else if (match === MATCH_END) op.opTreeShrink(c.L, s, hint, a);
      else op.opTreeCut(c.L, s, hint, a, e);
      return;
    }
    const want = Number.isNaN(b[o + 4]) ? -1 : b[o + 4];
    if (match === MATCH_PART) {
      const k = ownerEntryContaining(c.L, s, a, e, want);
      if (k >= 0) op.opTreeCut(c.L, s, k, a, e);
      else op.opInvalidFree(s, a, e);
      return;
    }
    const m = memtypeFreeMatch(c.L, s, a, e, want);
    if (match === MATCH_EXACT && matchExact(m) >= 0) op.opTreeRemove(c.L, s, matchExact(m));
    else if (match === MATCH_END && matchExact(m) < 0 && matchEnd(m) >= 0) op.opTreeShrink(c.L, s, matchEnd(m), a);
    // nothing to free: the kernel's failed free ("freeing invalid memtype")
    else op.opInvalidFree(s, a, e);
  },
});

// --- pfnmap_track_ctx and its kref --------------------------------------------------------------

export const PfnmapTrackCtxAlloc = defineEvent({
  type: 'pfnmap_track_ctx_alloc',
  fields: [['ctxId', F.int], ['pfn', F.pfn], ['nrPages', F.int]],
  validate: (c, s, b, o) => {
    if (ownerVocabulary(c.design) !== 'ctx') reject(`pfnmap_track_ctx exists only from v6.16, not in ${c.design.name}`, 'type');
    ctxSlot(c, b[o]);
    if (ctxLive(c.L, s, b[o])) reject(`ctx ${b[o]} already exists`, 'ctxId');
    frameRange(c, b[o + 1], b[o + 2]);
  },
  apply: (c, s, b, o) => op.opCtxAlloc(c.L, s, b[o], b[o + 1], b[o + 2]),
});
/** `vma->pfnmap_track_ctx = ctx` at the end of a successful whole-VMA remap_pfn_range. */
export const PfnmapTrackCtxAttach = defineEvent({
  type: 'pfnmap_track_ctx_attach',
  fields: [['pid', F.pid], ['addr', F.addr], ['nrPages', F.int], ['ctxId', F.int]],
  validate: (c, s, b, o) => {
    const p = b[o];
    const v0 = b[o + 1];
    liveSlot(c, s, p);
    pageRange(c, v0, b[o + 2]);
    wholeVma(c, s, p, v0, v0 + b[o + 2], 'pfnmap_track_ctx_attach');
    ctxSlot(c, b[o + 3]);
    if (!ctxLive(c.L, s, b[o + 3])) reject(`ctx ${b[o + 3]} does not exist`, 'ctxId');
    if (ownerOf(c.L, s, p, v0) !== 0) reject(`the VMA at ${addrText(c, v0)} already has ctx ${ownerOf(c.L, s, p, v0)} (remap_pfn_range refuses a second one)`, 'addr');
  },
  apply: (c, s, b, o) => op.opSetOwner(c.L, s, b[o], b[o + 1], b[o + 1] + b[o + 2], b[o + 3]),
});

/** kref_get / kref_put to the count the event names; on a released ctx, refcount_t's WARN. */
const kref = (get: boolean) => ({
  validate: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    const id = b[o];
    ctxSlot(c, id);
    const k = ctxLive(c.L, s, id) ? ctxKref(c.L, s, id) : 0;
    if (!ctxLive(c.L, s, id) || (!get && k === 0) || (get && k + 1 > 255)) return; // the WARN is the effect
    if (b[o + 1] !== (get ? k + 1 : k - 1)) reject(`${get ? 'kref_get' : 'kref_put'} of ctx ${id} claims kref ${b[o + 1]}, the state gives ${get ? k + 1 : k - 1}`, 'kref');
  },
  apply: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    const id = b[o];
    const live = ctxLive(c.L, s, id);
    const k = live ? ctxKref(c.L, s, id) : 0;
    if (!live || (!get && k === 0)) op.opWarn(s, WARN_REFCOUNT_UNDERFLOW);
    else if (get && k + 1 > 255) op.opWarn(s, WARN_REFCOUNT_SATURATED);
    else op.opCtxKref(c.L, s, id, b[o + 1]);
  },
});
export const KrefGet = defineEvent({ type: 'kref_get', fields: [['ctxId', F.int], ['kref', F.int]], ...kref(true) });
export const KrefPut = defineEvent({ type: 'kref_put', fields: [['ctxId', F.int], ['kref', F.int]], ...kref(false) });
/** The kref reached 0: the ctx is freed (after pfnmap_untrack); of a released ctx, the WARN. */
export const PfnmapTrackCtxRelease = defineEvent({
  type: 'pfnmap_track_ctx_release',
  fields: [['ctxId', F.int]],
  validate: (c, s, b, o) => {
    ctxSlot(c, b[o]);
    if (ctxLive(c.L, s, b[o]) && ctxKref(c.L, s, b[o]) !== 0)
      reject(`pfnmap_track_ctx_release of ctx ${b[o]} with kref ${ctxKref(c.L, s, b[o])} (release runs at 0)`, 'ctxId');
  },
  apply: (c, s, b, o) => {
    if (ctxLive(c.L, s, b[o])) op.opCtxFree(c.L, s, b[o]);
    else op.opWarn(s, WARN_REFCOUNT_UNDERFLOW);
  },
});

// --- address spaces and kernel users ------------------------------------------------------------

export const CopyProcess = defineEvent({
  type: 'copy_process',
  fields: [['pid', F.pid], ['childPid', F.pid]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    const ch = b[o + 1];
    if (!(ch >= 0 && ch < c.L.P)) reject(`childPid ${ch + 1} is outside the universe (procs ${c.L.P})`, 'childPid');
    if (isAlive(c.L, s, ch)) reject(`childPid ${ch + 1} is already a live address space`, 'childPid');
  },
  apply: (c, s, b, o) => op.opProcAlive(c.L, s, b[o + 1], true),
});
export const Mmput = defineEvent({
  type: 'mmput',
  fields: [['pid', F.pid]],
  validate: (c, s, b, o) => {
    liveSlot(c, s, b[o]);
    for (let v = 0; v < c.L.V; v++) if (vflags(c.L, s, b[o], v) & VF_IN_VMA) reject(`mmput of pid ${b[o] + 1} with a VMA at ${addrText(c, v)} (exit_mmap frees them first)`, 'pid');
  },
  apply: (c, s, b, o) => op.opProcAlive(c.L, s, b[o], false),
});

/** memremap_pages / ioremap: kernel slot handle - 1 holds the mapping; cacheMode: the type it got. */
const kernelMap = (kind: number) => ({
  validate: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    kernelSlot(c, b[o]);
    if (kKind(c.L, s, b[o] - 1)) reject(`handle ${b[o]} is in use`, 'handle');
    frameRange(c, b[o + 1], b[o + 2]);
  },
  apply: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => op.opKernelSet(c.L, s, b[o] - 1, kind, b[o + 1], b[o + 2], b[o + 3]),
});
const kernelUnmap = (kind: number, what: string) => ({
  validate: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
    const k = b[o] - 1;
    if (!Number.isInteger(k) || k < 0 || k >= c.L.K || kKind(c.L, s, k) !== kind) reject(`handle ${b[o]} is not a live ${what} mapping`, 'handle');
  },
  apply: (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => op.opKernelSet(c.L, s, b[o] - 1, 0, 0, 0, 0),
});
/** cacheMode: the type pfnmap_track gave the pagemap's pgprot (the kernel mapping of the range). */
export const MemremapPages = defineEvent({
  type: 'memremap_pages',
  fields: [['handle', F.int], ['pfn', F.pfn], ['nrPages', F.int], ['cacheMode', F.cacheMode]],
  ...kernelMap(KERNEL_MEMREMAP),
});
export const MemunmapPages = defineEvent({ type: 'memunmap_pages', fields: [['handle', F.int]], ...kernelUnmap(KERNEL_MEMREMAP, 'memremap_pages') });
export const Ioremap = defineEvent({ type: 'ioremap', fields: [['handle', F.int], ['pfn', F.pfn], ['nrPages', F.int], ['cacheMode', F.cacheMode]], ...kernelMap(KERNEL_IOREMAP) });
export const Iounmap = defineEvent({ type: 'iounmap', fields: [['handle', F.int]], ...kernelUnmap(KERNEL_IOREMAP, 'ioremap') });

// --- diagnostics --------------------------------------------------------------------------------

const WARN_REASONS = WARN_KINDS.map((k) => k.name) as unknown as readonly ['get_pat_info', 'refcount_underflow', 'refcount_saturated', 'remap_pte_bug'];
export const WarnReason = F.oneOf(WARN_REASONS).codec;
/** A WARN (or BUG) the kernel prints; `message` is its text. */
export const Warn = defineEvent({
  type: 'warn',
  fields: [['reason', F.oneOf(WARN_REASONS)]],
  annotations: { message: t.string },
  annotate: (_c, b, o) => ({ message: WARN_KINDS[b[o]].text }),
  apply: (_c, s, b, o) => op.opWarn(s, WARN_KINDS[b[o]].bit),
});

/**
 * The memtype tree's operations the handlers above call, for the checker's generated fast path
 * (src/checker/fastPath.ts), which calls them as they are where a traced handler called them.
 */
export const TREE_OPS = { opTreeInsert: op.opTreeInsert, opTreeRemove: op.opTreeRemove, opTreeShrink: op.opTreeShrink, opTreeCut: op.opTreeCut } as const;

/**
 * Every event kind, in the order of their codes (the integer form's first slot). The order is
 * the log format's list of types (docs/architecture.md §6), not a meaning.
 */
export const EVENT_KINDS = [
  Syscall,
  KernelCall,
  MmapRegion,
  VmFlagsSet,
  VmFlagsClear,
  VmAreaDup,
  VmAreaFree,
  SetPteRange,
  ZapPteRange,
  MovePageTables,
  CopyPageRange,
  WpPageCopy,
  RemapPfnRange,
  RemapPfnRangeDone,
  PfnmapTrack,
  PfnmapUntrack,
  PfnmapSetupCachemode,
  TrackPfnRemap,
  TrackPfnCopy,
  UntrackPfn,
  UntrackPfnCopy,
  UntrackPfnClear,
  MemtypeReserve,
  MemtypeFree,
  PfnmapTrackCtxAlloc,
  PfnmapTrackCtxAttach,
  KrefGet,
  KrefPut,
  PfnmapTrackCtxRelease,
  CopyProcess,
  Mmput,
  MemremapPages,
  MemunmapPages,
  Ioremap,
  Iounmap,
  Warn,
] as const;

type LogFormOf<K> = K extends { readonly codecT: { readonly _A: infer A } } ? A : never;
type EventUnion = LogFormOf<(typeof EVENT_KINDS)[number]>;

export const Event = t.union(EVENT_KINDS.map((k) => k.codec) as unknown as [t.Mixed, t.Mixed, ...t.Mixed[]]) as unknown as t.Type<EventUnion, EventUnion, unknown> & {
  readonly types: readonly t.Mixed[];
};
export type Event = EventUnion;
export type EventType = Event['type'];
export type EventOf<K extends EventType> = Extract<Event, { type: K }>;

export const EVENT_TYPES: readonly EventType[] = EVENT_KINDS.map((k) => k.type);

/** The code of each event kind (its index in EVENT_KINDS). */
export const KIND = Object.fromEntries(EVENT_KINDS.map((k, i) => [k.type, i])) as { readonly [K in EventType]: number };

export const kindOf = (code: number): EventKind => EVENT_KINDS[code];
export { EVENT_STRIDE };
