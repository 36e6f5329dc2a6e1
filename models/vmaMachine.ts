/**
 * The lifecycle of one VM_PFNMAP VMA and the pfnmap-tracking hooks each transition runs, per
 * design. The machine decides WHICH hooks run and in what order; the decider (kernel.ts)
 * carries each hook out against the state (reservations, krefs, page tables). The VMA's state
 * is what the kernel holds: its ctx pointer (v6.16) or its VM_PAT flag (v6.1-v6.15), the owner
 * field of its pages (layout.ts): untracked when 0.
 *
 * ctx tracking (v6.16, reference §3.3-§3.4; options.tracking 'ctx'): a whole-VMA remap
 * allocates a pfnmap_track_ctx (pfnmap_track, then kmalloc) and attaches it once the PTEs are
 * filled (ATTACH); a second whole remap is refused (-EINVAL); every vm_area_dup (split, mremap move,
 * fork) shares the ctx with kref_get; vm_area_free puts it; zaps and moves have no tracking
 * effect. The precise proposal (options.untrackUncovered) also untracks, when a VMA is freed,
 * the pages of its range that no other VMA of the ctx maps.
 *
 * VM_PAT tracking (v6.1-v6.15, reference §2; options.tracking 'vm_pat', options.fixes): VM_PAT
 * is set by track_pfn_remap on a whole-VMA remap (a second one reserves again); split and mremap
 * copies inherit VM_PAT through vm_area_dup, except in the v6.15-rc1 window (dc84bc2aba85
 * without e9f180d7cfde) where vm_area_dup clears it (bug D); fork: before dc84bc2aba85 the child
 * inherits VM_PAT and track_pfn_copy(src) reserves again, after it the child starts clear and
 * track_pfn_copy(dst, src) sets VM_PAT when it reserves; every unmap_single_vma (munmap, exit,
 * and any kernel zap, bug F) runs untrack_pfn over the whole VMA; mremap move clears VM_PAT on
 * the source (untrack_pfn_clear); a failed fork copy clears the child's VM_PAT (d155df53f310)
 * or frees its reservation (untrack_pfn_copy, dc84bc2aba85).
 *
 * The VMA's state is read from its page records at each step (the machine is not stepped by its
 * own table), so a target here shows the usual outcome of the hooks; untrack_pfn, for one,
 * keeps VM_PAT when get_pat_info fails.
 *
 * Either: when remap_pfn_range_notrack fails filling the PTEs, it zaps what it filled
 * (79a61cc3fc04, 2024-09; in every kernel with the rewrite), which reaches untrack_pfn in the
 * VM_PAT design (bug G); remap_pfn_range's own error path then untracks the range explicitly
 * if VM_PAT is still set.
 */
import { and, emit, not, setup } from 'xstate';
import type { DesignOptions, FixId } from '../src/state/design.ts';
import { alphabet, family } from './alphabet.ts';

export const DUP_REASONS = ['split', 'mremap', 'fork'] as const;
export type DupReason = (typeof DUP_REASONS)[number];

export const VMA = alphabet(
  family('REMAP_WHOLE', {}),
  family('REMAP_PARTIAL', {}),
  family('FILL_FAILED', {}),
  family('REMAP_FAILED', {}),
  family('ATTACH', {}),
  family('DUP', { reason: DUP_REASONS }),
  family('UNMAP', {}),
  family('ZAP', {}),
  family('MOVE_SOURCE', {}),
  family('COPY_FAILED', {}),
  family('FREE', {}),
);
export const VMA_ALPHABET = VMA.events;
export const [V_REMAP_WHOLE, V_REMAP_PARTIAL, V_FILL_FAILED, V_REMAP_FAILED, V_ATTACH, V_DUP, V_UNMAP, V_ZAP, V_MOVE_SOURCE, V_COPY_FAILED, V_FREE] =
  VMA.families.map((f) => f.base) as number[];
const DUP = VMA.families[5];
export const V_DUP_SPLIT = DUP.at(DUP_REASONS.indexOf('split'));
export const V_DUP_MREMAP = DUP.at(DUP_REASONS.indexOf('mremap'));
export const V_DUP_FORK = DUP.at(DUP_REASONS.indexOf('fork'));

/** Hooks the decider runs; names are the kernel functions. */
export type VmaFact =
  /** ctx: pfnmap_track_ctx_alloc (pfnmap_track, then kmalloc + kref_init). */
  | { type: 'pfnmap_track_ctx_alloc' }
  /** VM_PAT: track_pfn_remap → reserve_pfn_range(strict=0), VM_PAT set on success. */
  | { type: 'track_pfn_remap' }
  /** ctx: `vma->pfnmap_track_ctx = ctx` once the remap filled the PTEs. */
  | { type: 'attach_ctx' }
  /** ctx: the VMA already has a ctx: remap_pfn_range returns -EINVAL. */
  | { type: 'remap_refused'; ret: number }
  /** partial remap: lookup only (pfnmap_setup_cachemode / old track_pfn_remap partial branch). */
  | { type: 'pfnmap_setup_cachemode' }
  /** remap_pfn_range_notrack's error path: zap_page_range_single of what was filled (79a61cc3fc04). */
  | { type: 'zap_partial' }
  /** VM_PAT: remap_pfn_range's error path: untrack_pfn(vma, pfn, size), VM_PAT cleared. */
  | { type: 'untrack_pfn_explicit' }
  /** ctx: vma_pfnmap_track_ctx_dup (kref machine DUP). */
  | { type: 'ctx_dup' }
  /** VM_PAT: the new VMA keeps VM_PAT from the struct copy. */
  | { type: 'inherit_pat' }
  /** VM_PAT: the new VMA starts without VM_PAT (untrack_pfn_clear on the copy). */
  | { type: 'untrack_pfn_clear_new' }
  /** VM_PAT fork before dc84bc2aba85: track_pfn_copy(src) reserves for the inherited VM_PAT. */
  | { type: 'track_pfn_copy_src' }
  /** VM_PAT fork from dc84bc2aba85: track_pfn_copy(dst, src) reserves and sets VM_PAT on dst. */
  | { type: 'track_pfn_copy_dst' }
  /** VM_PAT: untrack_pfn(vma, 0, 0): whole-VMA untrack from the first PTE and the current size. */
  | { type: 'untrack_pfn' }
  /** VM_PAT: untrack_pfn_clear: VM_PAT cleared, the tree untouched. */
  | { type: 'untrack_pfn_clear' }
  /** VM_PAT v6.15: untrack_pfn_copy(dst, pfn): free what track_pfn_copy reserved, clear VM_PAT. */
  | { type: 'untrack_pfn_copy' }
  /** ctx: vma_pfnmap_track_ctx_release → kref_put (kref machine PUT). */
  | { type: 'ctx_put' }
  /** precise: untrack the pages of the freed VMA that no VMA of the ctx maps any more. */
  | { type: 'untrack_uncovered' };

const fix =
  (id: FixId) =>
  ({ context }: { context: { options: DesignOptions } }): boolean =>
    context.options.fixes[id];

export const vmaMachine = setup({
  types: {
    context: {} as { options: DesignOptions },
    input: {} as { options: DesignOptions },
    events: {} as (typeof VMA_ALPHABET)[number] & { type: string; reason?: DupReason },
    emitted: {} as VmaFact,
  },
  guards: {
    ctxTracking: ({ context }) => context.options.tracking === 'ctx',
    untrackUncovered: ({ context }) => context.options.untrackUncovered,
    /** remap_pfn_range_notrack zaps a partial mapping on error: 79a61cc3fc04, and every kernel with ctx tracking */
    zapsOnFillFailure: ({ context }) => context.options.tracking === 'ctx' || context.options.fixes['79a61cc3fc04'],
    isSplitOrMremap: ({ event }) => event.type === 'DUP' && event.reason !== 'fork',
    /** dc84bc2aba85 without e9f180d7cfde: vm_area_dup clears VM_PAT on every PFNMAP copy (bug D) */
    dupClearsPat: and([fix('dc84bc2aba85'), not(fix('e9f180d7cfde'))]),
    /** dc84bc2aba85: track_pfn_copy(dst, src) on a cleared copy; on copy failure untrack_pfn_copy */
    forkCopyClearsFirst: fix('dc84bc2aba85'),
    /** d155df53f310 (before dc84bc2aba85): a failed copy clears the child's VM_PAT */
    copyFailClears: fix('d155df53f310'),
  },
  actions: {
    allocCtx: emit({ type: 'pfnmap_track_ctx_alloc' }),
    attachCtx: emit({ type: 'attach_ctx' }),
    trackPfnRemap: emit({ type: 'track_pfn_remap' }),
    refuseRemap: emit({ type: 'remap_refused', ret: -22 }),
    setupCachemode: emit({ type: 'pfnmap_setup_cachemode' }),
    zapPartial: emit({ type: 'zap_partial' }),
    untrackExplicit: emit({ type: 'untrack_pfn_explicit' }),
    ctxDup: emit({ type: 'ctx_dup' }),
    inheritPat: emit({ type: 'inherit_pat' }),
    clearNew: emit({ type: 'untrack_pfn_clear_new' }),
    trackPfnCopySrc: emit({ type: 'track_pfn_copy_src' }),
    trackPfnCopyDst: emit({ type: 'track_pfn_copy_dst' }),
    untrackPfn: emit({ type: 'untrack_pfn' }),
    untrackPfnClear: emit({ type: 'untrack_pfn_clear' }),
    untrackPfnCopy: emit({ type: 'untrack_pfn_copy' }),
    ctxPut: emit({ type: 'ctx_put' }),
    untrackUncovered: emit({ type: 'untrack_uncovered' }),
    zapWithoutTracking: () => undefined,
  },
}).createMachine({
  id: 'vma',
  context: ({ input }) => ({ options: input.options }),
  initial: 'untracked',
  states: {
    untracked: {
      on: {
        REMAP_WHOLE: [{ guard: 'ctxTracking', actions: 'allocCtx' }, { target: 'tracked', actions: 'trackPfnRemap' }],
        REMAP_PARTIAL: { actions: 'setupCachemode' },
        FILL_FAILED: { guard: 'zapsOnFillFailure', actions: 'zapPartial' },
        ATTACH: { guard: 'ctxTracking', target: 'tracked', actions: 'attachCtx' },
        // a fork of an untracked VMA under dc84bc2aba85 still clears (a no-op) and skips track_pfn_copy
        DUP: {},
        FREE: { target: 'freed' },
      },
    },
    tracked: {
      on: {
        REMAP_WHOLE: [
          { guard: 'ctxTracking', actions: 'refuseRemap' },
          // VM_PAT: track_pfn_remap reserves again, VM_PAT stays set (two entries, one owner)
          { actions: 'trackPfnRemap' },
        ],
        REMAP_PARTIAL: { actions: 'setupCachemode' },
        FILL_FAILED: { guard: 'zapsOnFillFailure', actions: 'zapPartial' },
        REMAP_FAILED: { guard: not('ctxTracking'), target: 'untracked', actions: 'untrackExplicit' },
        DUP: [
          { guard: 'ctxTracking', actions: 'ctxDup' },
          { guard: and(['isSplitOrMremap', 'dupClearsPat']), actions: 'clearNew' },
          { guard: 'isSplitOrMremap', actions: 'inheritPat' },
          { guard: 'forkCopyClearsFirst', actions: ['clearNew', 'trackPfnCopyDst'] },
          { actions: ['inheritPat', 'trackPfnCopySrc'] },
        ],
        // untrack_pfn clears VM_PAT unless get_pat_info finds no usable first PTE (it WARNs and keeps it)
        UNMAP: { guard: not('ctxTracking'), actions: 'untrackPfn' },
        // with ctx tracking a zap has no tracking effect (f8e97613fed2 took untrack_pfn out of unmap_single_vma)
        ZAP: [{ guard: not('ctxTracking'), actions: 'untrackPfn' }, { actions: 'zapWithoutTracking' }],
        MOVE_SOURCE: { guard: not('ctxTracking'), target: 'untracked', actions: 'untrackPfnClear' },
        COPY_FAILED: [
          { guard: 'ctxTracking' },
          { guard: 'forkCopyClearsFirst', target: 'untracked', actions: 'untrackPfnCopy' },
          { guard: 'copyFailClears', target: 'untracked', actions: 'untrackPfnClear' },
        ],
        FREE: [
          { guard: and(['ctxTracking', 'untrackUncovered']), target: 'freed', actions: ['ctxPut', 'untrackUncovered'] },
          { guard: 'ctxTracking', target: 'freed', actions: 'ctxPut' },
          { target: 'freed' },
        ],
      },
    },
    freed: { type: 'final' },
  },
});

/** The VMA machine's states as the page records hold them: untracked (owner 0), tracked, freed. */
export const VMA_STATE_CODES: Readonly<Record<string, number>> = { untracked: 0, tracked: 1, freed: 2 };
export const vmaStateCode = (snapshot: { readonly value: unknown }): number => VMA_STATE_CODES[snapshot.value as string];
