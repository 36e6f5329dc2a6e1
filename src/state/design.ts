/**
 * The designs the model covers (MODEL.md §1) and their kernel eras, as data: each preset is a
 * set of machine options (DesignOptions). Only the machines (models/*Machine.ts) read the
 * options to decide what the kernel does; the rest of the code reads them only to know what an
 * event log of the design may contain (replay's checks) and what the invariants expect.
 */
import { quote } from '../util/quote.ts';

/** Upstream fixes of the VM_PAT design; each switch on means the kernel has the commit. */
export interface LegacyFixes {
  /** d155df53f310 "x86/mm/pat: clear VM_PAT if copy_p4d_range failed" (v6.4; bug A). */
  readonly d155df53f310: boolean;
  /** 04c35ab3bdae "x86/mm/pat: fix VM_PAT handling in COW mappings" (v6.9; bug B). */
  readonly '04c35ab3bdae': boolean;
  /** 79a61cc3fc04 "mm: avoid leaving partial pfn mappings around in error case" (2024-09; bug G). */
  readonly '79a61cc3fc04': boolean;
  /** dc84bc2aba85 "x86/mm/pat: Fix VM_PAT handling when fork() fails in copy_page_range()" (v6.15-rc1; bug C). */
  readonly dc84bc2aba85: boolean;
  /** e9f180d7cfde "kernel/fork: only call untrack_pfn_clear() on VMAs duplicated for fork()" (v6.15; bug D). */
  readonly e9f180d7cfde: boolean;
}

export const FIX_IDS = ['d155df53f310', '04c35ab3bdae', '79a61cc3fc04', 'dc84bc2aba85', 'e9f180d7cfde'] as const;
export type FixId = (typeof FIX_IDS)[number];

/**
 * What the machines of a design decide differently: the options of one kernel era (or of the
 * precise proposal). Each is cited where the machine that reads it is defined.
 */
export interface DesignOptions {
  /**
   * How a whole-VMA remap_pfn_range is tracked: the VM_PAT flag set by track_pfn_remap
   * (v6.1-v6.15, reference §2) or a refcounted struct pfnmap_track_ctx (v6.16, f8e97613fed2, §3).
   */
  readonly tracking: 'vm_pat' | 'ctx';
  /** The old memtype_erase's END match, which shrinks an entry (removed in v6.16 by 81baf8450165). */
  readonly memtypeEndMatch: boolean;
  /** The precise proposal: vm_area_free untracks at once the pages no VMA of the ctx maps any more. */
  readonly untrackUncovered: boolean;
  /**
   * v6.16 mremap refactoring (mm/mremap.c check_mremap_params): an unaligned new address of
   * MREMAP_FIXED / MREMAP_DONTUNMAP is EINVAL before the old VMA's lookup (EFAULT). Up to v6.15
   * mremap_to checks it after the lookup (Debian 6.16.12 against 6.12.117: recording
   * mremap_fixed_unaligned_from_hole, docs/real-kernel.md §9 E2).
   */
  readonly mremapAlignFirst: boolean;
  /**
   * v6.17 (mm/mremap.c: the overlap check moved into check_mremap_params, check_prep_vma before
   * mremap_to): a new range overlapping the old one is EINVAL before the old VMA's lookup, and
   * the VMA checks (a VM_PFNMAP that would grow: EFAULT) come before the destination is
   * unmapped. Up to v6.16 mremap_to unmaps the destination and the shrunk tail first, then
   * checks (6.12 mm/mremap.c mremap_to; recordings mremap_fixed_grow_refused,
   * mremap_fixed_overlap_from_hole, §9 E3).
   */
  readonly mremapChecksFirst: boolean;
  /**
   * v6.17 remap_move (mm/mremap.c): an MREMAP_FIXED move with old_len == new_len moves every VMA
   * of the old range, each checked and moved on its own, the gaps between them kept; up to
   * v6.16 the range must lie in one VMA (EFAULT; five mremap_move_* recordings, §9 E4).
   */
  readonly mremapMoveMulti: boolean;
  /**
   * MAP_FIXED over mapped pages: the replaced VMAs are zapped and detached first and freed
   * (vm_area_free, kref_put) only after /dev/mem's remap_pfn_range reserved the new range
   * (v6.12-v6.18 __mmap_region: mmap_mem runs from __mmap_new_vma, vm_area_free from
   * __mmap_complete). v6.1's mmap_region do_munmaps them first; v6.19's /dev/mem
   * mmap_prepare (ab04945f91bc on ac0a3fc9c07d and 51e38e7d40d6; 7.3 drivers/char/mem.c
   * mmap_mem_prepare, mm/vma.c __mmap_region) frees them in __mmap_complete before
   * mmap_action_complete remaps (14 map_fixed_* recordings, §9 E1). The VM_PAT design
   * untracks them in unmap_vmas before the file's mmap hook either way.
   */
  readonly mapFixedFreesAfter: boolean;
  /** The VM_PAT-era fixes the kernel has (meaningful with tracking 'vm_pat'). */
  readonly fixes: LegacyFixes;
}

export type DesignKind = 'tracked' | 'legacy' | 'precise';

/** A design: its family (what reports call it and what its invariants expect), its name, its machine options. */
export interface Design {
  readonly kind: DesignKind;
  readonly name: string;
  readonly options: DesignOptions;
}

const fixes = (...on: FixId[]): LegacyFixes =>
  Object.fromEntries(FIX_IDS.map((f) => [f, on.includes(f)])) as unknown as LegacyFixes;

const legacyOptions = (f: LegacyFixes): DesignOptions => ({
  tracking: 'vm_pat',
  memtypeEndMatch: true,
  untrackUncovered: false,
  mremapAlignFirst: false,
  mremapChecksFirst: false,
  mremapMoveMulti: false,
  mapFixedFreesAfter: false,
  fixes: f,
});
/** v6.16, the kernel the rewrite was merged in (Debian's 6.16.12). */
const trackedV616: DesignOptions = {
  tracking: 'ctx',
  memtypeEndMatch: false,
  untrackUncovered: false,
  mremapAlignFirst: true,
  mremapChecksFirst: false,
  mremapMoveMulti: false,
  mapFixedFreesAfter: true,
  fixes: fixes(...FIX_IDS),
};
/** v6.19 (Debian's 6.19.14; 7.3.4 answers every corpus program as it does). */
const trackedV619: DesignOptions = { ...trackedV616, mremapChecksFirst: true, mremapMoveMulti: true, mapFixedFreesAfter: false };
const legacy = (name: string, f: LegacyFixes): Design => ({ kind: 'legacy', name, options: legacyOptions(f) });

export interface DesignPreset {
  readonly name: string;
  readonly description: string;
  readonly design: Design;
}

export const DESIGN_PRESETS: readonly DesignPreset[] = [
  {
    name: 'tracked',
    description: 'alias of tracked@v6.16',
    design: { kind: 'tracked', name: 'tracked', options: trackedV616 },
  },
  {
    name: 'tracked@v6.16',
    description:
      "v6.16 (Debian 6.16.12): refcounted struct pfnmap_track_ctx shared on split, mremap and fork (the seed series); MAP_FIXED frees the replaced VMAs after the remap; mremap checks the new address's alignment before the lookup (mremapAlignFirst) and unmaps the destination before refusing growth",
    design: { kind: 'tracked', name: 'tracked@v6.16', options: trackedV616 },
  },
  {
    name: 'tracked@v6.19',
    description:
      'v6.19 (Debian 6.19.14; 7.3.4 answers alike): tracked@v6.16, and MAP_FIXED frees the replaced VMAs before /dev/mem remaps (mmap_prepare); mremap checks the overlap and the VMA before it unmaps anything (mremapChecksFirst) and moves every VMA of an MREMAP_FIXED range (mremapMoveMulti), both v6.17',
    design: { kind: 'tracked', name: 'tracked@v6.19', options: trackedV619 },
  },
  {
    name: 'legacy@v6.1',
    description: 'VM_PAT as released in v6.1: none of the fixes',
    design: legacy('legacy@v6.1', fixes()),
  },
  {
    name: 'legacy@v6.9',
    description: 'VM_PAT with d155df53f310 (fork copy failure clears VM_PAT) and 04c35ab3bdae (COW vm_pgoff fallback)',
    design: legacy('legacy@v6.9', fixes('d155df53f310', '04c35ab3bdae')),
  },
  {
    name: 'legacy@v6.15-rc1',
    description: 'VM_PAT in the bug D window: dc84bc2aba85 clears VM_PAT in vm_area_dup for split and mremap too',
    design: legacy('legacy@v6.15-rc1', fixes('d155df53f310', '04c35ab3bdae', '79a61cc3fc04', 'dc84bc2aba85')),
  },
  {
    name: 'legacy@v6.15',
    description: 'VM_PAT with every fix up to the rewrite (e9f180d7cfde closes the bug D window)',
    design: legacy('legacy@v6.15', fixes(...FIX_IDS)),
  },
  {
    name: 'legacy@stable-6.1',
    description:
      "Debian's 6.1.192: every fix backported (checked in linux-source-6.1: get_pat_info's vm_pgoff fallback, the zap in remap_pfn_range_notrack, track_pfn_copy(dst, src, &pfn) / untrack_pfn_copy, untrack_pfn_clear in dup_mmap)",
    design: legacy('legacy@stable-6.1', fixes(...FIX_IDS)),
  },
  {
    name: 'precise',
    description:
      'proposal (not upstream): tracked, plus on vm_area_free the pages no VMA of the ctx maps any more are untracked at once (the tree entry is cut around them)',
    design: { kind: 'precise', name: 'precise', options: { ...trackedV616, untrackUncovered: true } },
  },
];

export const TRACKED: Design = DESIGN_PRESETS[0].design;

/**
 * Whether the design's VMAs carry VM_PAT (x86's VM_ARCH_1, `ar` in /proc/PID/smaps): the VM_PAT
 * design marks a VMA that owns a reservation with it; v6.16 removed the flag (cba4dbeb7bfc,
 * patch 06 of "mm: rewrite pfnmap tracking and remove VM_PAT").
 */
export const hasVmPat = (d: Design): boolean => d.options.tracking === 'vm_pat';

/**
 * What an owner id in a state stands for, which the invariants judge and the texts name (no
 * transition reads it: the machines decide): a VM_PAT lineage (the legacy designs); a ctx
 * whose reservation is exactly its range, freed whole on the last put (tracked, v6.16
 * pfnmap_track_ctx_release); a ctx whose range may be reserved in pieces (precise).
 */
export const ownership = (d: Design): 'lineage' | 'ctx-range' | 'ctx-pieces' =>
  d.options.tracking === 'vm_pat' ? 'lineage' : d.options.untrackUncovered ? 'ctx-pieces' : 'ctx-range';

/**
 * Which memtype_free matches beside the exact one a design's kernel can log: END (memtype_erase
 * before v6.16: a shrunk VM_PAT VMA frees the tail of its entry) and a partial free (precise).
 */
export const memtypeFreeMatches = (d: Design): { readonly end: boolean; readonly part: boolean } => ({
  end: d.options.memtypeEndMatch,
  part: d.options.untrackUncovered,
});

/** Whether two designs are one: the same machine options, whatever their names (an alias). */
export const sameMachines = (a: Design, b: Design): boolean => JSON.stringify(a.options) === JSON.stringify(b.options);

/** How a design's event logs name the owner of a tree entry: its ctx, or its VM_PAT lineage. */
export const ownerVocabulary = (d: Design): 'ctx' | 'lineage' => (d.options.tracking === 'ctx' ? 'ctx' : 'lineage');

/**
 * Resolve a design name: a preset, or `legacy@<preset>+<fix>-<fix>` to switch single fixes
 * on (+) or off (-) over a preset, e.g. `legacy@v6.15-e9f180d7cfde`.
 */
export const parseDesign = (name: string): Design | string => {
  const exact = DESIGN_PRESETS.find((p) => p.name === name);
  if (exact) return exact.design;
  const m = /^(legacy@[^+\-]+(?:-rc\d+)?)((?:[+-][0-9a-f]{12})+)$/.exec(name);
  if (m) {
    const base = DESIGN_PRESETS.find((p) => p.name === m[1]);
    if (!base || base.design.kind !== 'legacy') return `unknown design preset ${quote(m[1])}`;
    const f: Record<string, boolean> = { ...base.design.options.fixes };
    for (const [, sign, id] of m[2].matchAll(/([+-])([0-9a-f]{12})/g)) {
      if (!(FIX_IDS as readonly string[]).includes(id)) return `unknown fix '${id}' (known: ${FIX_IDS.join(', ')})`;
      f[id] = sign === '+';
    }
    return legacy(name, f as unknown as LegacyFixes);
  }
  return `unknown design ${quote(name)} (known: ${DESIGN_PRESETS.map((p) => p.name).join(', ')})`;
};
