/**
 * The designs the model covers (MODEL.md §1) and the legacy kernel eras as fix switches
 * (reference §0 and §2.9).
 */

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
 * Differences between kernels of the tracked design (v6.16 and later), each an upstream change
 * outside the tracking itself that changes what a user of /dev/mem sees (docs/real-kernel.md
 * §9 has the recordings that show each one). Read by the guards of models/syscallMachine.ts.
 */
export interface TrackedEra {
  /**
   * v6.16 mremap refactoring (mm/mremap.c check_mremap_params): an unaligned new address of
   * MREMAP_FIXED / MREMAP_DONTUNMAP is EINVAL before the old VMA's lookup (EFAULT). Up to v6.15
   * mremap_to checks it after the lookup.
   */
  readonly mremapAlignFirst: boolean;
  /**
   * v6.17 (mm/mremap.c: the overlap check moved into check_mremap_params, check_prep_vma before
   * mremap_to): a new range overlapping the old one is EINVAL before the old VMA's lookup
   * (EFAULT), and the VMA checks (a PFNMAP that would grow: EFAULT) come before the destination
   * is unmapped. Up to v6.16 mremap_to unmaps the destination first.
   */
  readonly mremapChecksFirst: boolean;
  /**
   * v6.17 remap_move (mm/mremap.c): an MREMAP_FIXED move with old_len == new_len moves every
   * VMA of the old range (each checked and moved on its own, the gaps between them kept), and a
   * range that runs past the last VMA into a hole moves what is mapped. Up to v6.16 the range
   * must lie in one VMA (EFAULT).
   */
  readonly mremapMoveMulti: boolean;
  /**
   * v6.19 /dev/mem through mmap_prepare (drivers/char/mem.c mmap_mem_prepare,
   * mmap_action_remap_full; ab04945f91bc on ac0a3fc9c07d and 51e38e7d40d6): __mmap_region frees
   * the VMAs a MAP_FIXED mapping replaces (__mmap_complete, vm_area_free: kref_put) before
   * mmap_action_complete runs remap_pfn_range (pfnmap_track: the new reservation). Up to
   * v6.18 mmap_mem's remap_pfn_range runs from __mmap_new_vma, before __mmap_complete frees
   * them.
   */
  readonly devmemMmapPrepare: boolean;
}

/** The order of the legacy kernels (v6.1 to v6.15; Debian's 6.1.192 and 6.12.117). */
export const ERA_LEGACY: TrackedEra = { mremapAlignFirst: false, mremapChecksFirst: false, mremapMoveMulti: false, devmemMmapPrepare: false };
/** v6.16, the kernel the rewrite was merged in (Debian's 6.16.12). */
export const ERA_V6_16: TrackedEra = { ...ERA_LEGACY, mremapAlignFirst: true };
/** v6.19 (Debian's 6.19.14; 7.3.4 answers every corpus program as it does). */
export const ERA_V6_19: TrackedEra = { mremapAlignFirst: true, mremapChecksFirst: true, mremapMoveMulti: true, devmemMmapPrepare: true };

export type Design =
  | { readonly kind: 'tracked'; readonly name: string; readonly era: TrackedEra }
  | { readonly kind: 'legacy'; readonly name: string; readonly fixes: LegacyFixes }
  | { readonly kind: 'precise'; readonly name: string };

const fixes = (...on: FixId[]): LegacyFixes =>
  Object.fromEntries(FIX_IDS.map((f) => [f, on.includes(f)])) as unknown as LegacyFixes;

export interface DesignPreset {
  readonly name: string;
  readonly description: string;
  readonly design: Design;
}

export const DESIGN_PRESETS: readonly DesignPreset[] = [
  {
    name: 'tracked',
    description: 'alias of tracked@v6.16',
    design: { kind: 'tracked', name: 'tracked', era: ERA_V6_16 },
  },
  {
    name: 'tracked@v6.16',
    description:
      'v6.16 (Debian 6.16.12): refcounted struct pfnmap_track_ctx shared on split, mremap and fork (the seed series); MAP_FIXED frees the replaced VMAs after the remap; mremap checks the new address\'s alignment before the lookup (mremapAlignFirst) and unmaps the destination before refusing growth',
    design: { kind: 'tracked', name: 'tracked@v6.16', era: ERA_V6_16 },
  },
  {
    name: 'tracked@v6.19',
    description:
      'v6.19 (Debian 6.19.14; 7.3.4 answers alike): tracked@v6.16, and MAP_FIXED frees the replaced VMAs before /dev/mem remaps (mmap_prepare: devmemMmapPrepare); mremap checks the overlap and the VMA before it unmaps anything (mremapChecksFirst) and moves every VMA of an MREMAP_FIXED range (mremapMoveMulti), both v6.17',
    design: { kind: 'tracked', name: 'tracked@v6.19', era: ERA_V6_19 },
  },
  {
    name: 'legacy@v6.1',
    description: 'VM_PAT as released in v6.1: none of the fixes',
    design: { kind: 'legacy', name: 'legacy@v6.1', fixes: fixes() },
  },
  {
    name: 'legacy@v6.9',
    description: 'VM_PAT with d155df53f310 (fork copy failure clears VM_PAT) and 04c35ab3bdae (COW vm_pgoff fallback)',
    design: { kind: 'legacy', name: 'legacy@v6.9', fixes: fixes('d155df53f310', '04c35ab3bdae') },
  },
  {
    name: 'legacy@v6.15-rc1',
    description: 'VM_PAT in the bug D window: dc84bc2aba85 clears VM_PAT in vm_area_dup for split and mremap too',
    design: {
      kind: 'legacy',
      name: 'legacy@v6.15-rc1',
      fixes: fixes('d155df53f310', '04c35ab3bdae', '79a61cc3fc04', 'dc84bc2aba85'),
    },
  },
  {
    name: 'legacy@v6.15',
    description: 'VM_PAT with every fix up to the rewrite (e9f180d7cfde closes the bug D window)',
    design: { kind: 'legacy', name: 'legacy@v6.15', fixes: fixes(...FIX_IDS) },
  },
  {
    name: 'legacy@stable-6.1',
    description:
      "Debian's 6.1.192: every fix backported (checked in linux-source-6.1: get_pat_info's vm_pgoff fallback, the zap in remap_pfn_range_notrack, track_pfn_copy(dst, src, &pfn) / untrack_pfn_copy, untrack_pfn_clear in dup_mmap)",
    design: { kind: 'legacy', name: 'legacy@stable-6.1', fixes: fixes(...FIX_IDS) },
  },
  {
    name: 'precise',
    description:
      'proposal (not upstream): tracked, plus on vm_area_free the pages no VMA of the ctx maps any more are untracked at once (the tree entry is cut around them)',
    design: { kind: 'precise', name: 'precise' },
  },
];

/**
 * Whether the design's VMAs carry VM_PAT (x86's VM_ARCH_1, `ar` in /proc/PID/smaps): the
 * legacy design marks a VMA that owns a reservation with it; v6.16 removed the flag
 * (cba4dbeb7bfc, patch 06 of "mm: rewrite pfnmap tracking and remove VM_PAT") and keeps the
 * pfnmap_track_ctx pointer, which smaps does not show.
 */
export const hasVmPat = (d: Design): boolean => d.kind === 'legacy';

export const TRACKED: Design = DESIGN_PRESETS[0].design;

/** The era switches of a design: a tracked design's own, the legacy order, precise as v6.16. */
export const eraOf = (d: Design): TrackedEra => (d.kind === 'tracked' ? d.era : d.kind === 'legacy' ? ERA_LEGACY : ERA_V6_16);

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
    if (!base || base.design.kind !== 'legacy') return `unknown design preset '${m[1]}'`;
    const f: Record<string, boolean> = { ...base.design.fixes };
    for (const [, sign, id] of m[2].matchAll(/([+-])([0-9a-f]{12})/g)) {
      if (!(FIX_IDS as readonly string[]).includes(id)) return `unknown fix '${id}' (known: ${FIX_IDS.join(', ')})`;
      f[id] = sign === '+';
    }
    return { kind: 'legacy', name, fixes: f as unknown as LegacyFixes };
  }
  return `unknown design '${name}' (known: ${DESIGN_PRESETS.map((p) => p.name).join(', ')})`;
};
