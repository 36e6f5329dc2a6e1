/**
 * The lifecycle of one VM_PFNMAP VMA and the pfnmap-tracking hooks on each transition, per
 * design. The machine decides WHICH hook runs; the executor (models/kernel.ts) runs it
 * against the state (reservations, krefs, page tables) and reports the outcome back with
 * ATTACH / CLEAR when the hook changed the VMA's tracking.
 *
 * tracked (v6.16, reference §3.3-§3.4): a whole-VMA remap allocates a pfnmap_track_ctx and
 * attaches it after the PTEs are filled; a second whole remap is refused (-EINVAL); every
 * vm_area_dup (split, mremap move, fork) shares the ctx with kref_get; vm_area_free puts it;
 * zaps and moves have no tracking effect.
 *
 * precise (a proposal, MODEL.md §1): as tracked, and when a VMA is freed the pages of its
 * range that no other VMA of the ctx maps are untracked at once, so a partial unmap or an
 * mremap shrink releases its part of the reservation.
 *
 * legacy (v6.1-v6.15, reference §2): VM_PAT is set by track_pfn_remap on a whole-VMA remap
 * (a second one reserves again); split and mremap copies inherit VM_PAT through
 * vm_area_dup, except in the v6.15-rc1 window (dc84bc2aba85 without e9f180d7cfde) where
 * vm_area_dup clears it (bug D); fork: before dc84bc2aba85 the child inherits VM_PAT and
 * track_pfn_copy(src) reserves again, after it the child starts clear and
 * track_pfn_copy(dst, src) sets VM_PAT when it reserves; every unmap_single_vma (munmap,
 * exit, and any kernel zap, bug F) runs untrack_pfn over the whole VMA; mremap move
 * clears VM_PAT on the source (untrack_pfn_clear); a failed fork copy clears the child's
 * VM_PAT (d155df53f310) or frees its reservation (untrack_pfn_copy, dc84bc2aba85).
 */
import { and, emit, setup } from 'xstate';
import type { Design } from '../src/state/design.ts';

export type DupReason = 'split' | 'mremap' | 'fork';

export type VmaEvent =
  | { type: 'REMAP_WHOLE' }
  | { type: 'REMAP_PARTIAL' }
  | { type: 'ATTACH' }
  | { type: 'DUP'; reason: DupReason }
  | { type: 'UNMAP' }
  | { type: 'ZAP' }
  | { type: 'MOVE_SOURCE' }
  | { type: 'COPY_FAILED' }
  | { type: 'CLEAR' }
  | { type: 'FREE' };

/** Hooks the executor runs; names are the kernel functions. */
export type VmaFact =
  /** tracked: pfnmap_track_ctx_alloc (pfnmap_track + kmalloc + kref_init). */
  | { type: 'pfnmap_track_ctx_alloc' }
  /** legacy: track_pfn_remap → reserve_pfn_range(strict=0), VM_PAT set on success. */
  | { type: 'track_pfn_remap' }
  /** tracked: the VMA already has a ctx: remap_pfn_range returns -EINVAL. */
  | { type: 'remap_refused'; ret: number }
  /** partial remap: lookup only (pfnmap_setup_cachemode / old track_pfn_remap partial branch). */
  | { type: 'pfnmap_setup_cachemode' }
  /** the VMA now owns tracking: `vma->pfnmap_track_ctx = ctx` or vm_flags_set(VM_PAT). */
  | { type: 'attach' }
  /** tracked: vma_pfnmap_track_ctx_dup (kref machine DUP). */
  | { type: 'ctx_dup' }
  /** legacy: the new VMA keeps VM_PAT from the struct copy. */
  | { type: 'inherit_pat' }
  /** legacy: the new VMA starts without VM_PAT (untrack_pfn_clear on the copy). */
  | { type: 'untrack_pfn_clear_new' }
  /** legacy fork before dc84bc2aba85: track_pfn_copy(src) reserves for the inherited VM_PAT. */
  | { type: 'track_pfn_copy_src' }
  /** legacy fork from dc84bc2aba85: track_pfn_copy(dst, src) reserves and sets VM_PAT on dst. */
  | { type: 'track_pfn_copy_dst' }
  /** legacy: untrack_pfn(vma, 0, 0): whole-VMA untrack from the first PTE and the current size. */
  | { type: 'untrack_pfn' }
  /** legacy: untrack_pfn_clear: VM_PAT cleared, the tree untouched. */
  | { type: 'untrack_pfn_clear' }
  /** legacy v6.15: untrack_pfn_copy(dst, pfn): free what track_pfn_copy reserved, clear VM_PAT. */
  | { type: 'untrack_pfn_copy' }
  /** tracked: vma_pfnmap_track_ctx_release → kref_put (kref machine PUT). */
  | { type: 'ctx_put' }
  /** precise: untrack the pages of the freed VMA that no VMA of the ctx maps any more. */
  | { type: 'untrack_uncovered' }
  | { type: 'detach' };

const isTracked = (d: Design): boolean => d.kind === 'tracked' || d.kind === 'precise';
const isLegacy = (d: Design): boolean => d.kind === 'legacy';
const fix = (d: Design, id: 'd155df53f310' | '04c35ab3bdae' | '79a61cc3fc04' | 'dc84bc2aba85' | 'e9f180d7cfde'): boolean =>
  d.kind === 'legacy' && d.fixes[id];

export const vmaMachine = setup({
  types: {
    context: {} as { design: Design },
    input: {} as { design: Design },
    events: {} as VmaEvent,
    emitted: {} as VmaFact,
  },
  guards: {
    trackedDesign: ({ context }) => isTracked(context.design),
    legacyDesign: ({ context }) => isLegacy(context.design),
    /** dc84bc2aba85 without e9f180d7cfde: vm_area_dup clears VM_PAT on every PFNMAP copy (bug D). */
    dupClearsPat: ({ context }) => fix(context.design, 'dc84bc2aba85') && !fix(context.design, 'e9f180d7cfde'),
    forkCopyClearsFirst: ({ context }) => fix(context.design, 'dc84bc2aba85'),
    isSplitOrMremap: ({ event }) => event.type === 'DUP' && event.reason !== 'fork',
    copyFailFrees: ({ context }) => fix(context.design, 'dc84bc2aba85'),
    copyFailClears: ({ context }) => fix(context.design, 'd155df53f310') && !fix(context.design, 'dc84bc2aba85'),
  },
}).createMachine({
  id: 'vma',
  context: ({ input }) => ({ design: input.design }),
  initial: 'untracked',
  states: {
    untracked: {
      on: {
        REMAP_WHOLE: [
          { guard: 'trackedDesign', actions: emit({ type: 'pfnmap_track_ctx_alloc' }) },
          { actions: emit({ type: 'track_pfn_remap' }) },
        ],
        REMAP_PARTIAL: { actions: emit({ type: 'pfnmap_setup_cachemode' }) },
        ATTACH: { target: 'tracked', actions: emit({ type: 'attach' }) },
        // A fork of an untracked VMA under dc84bc2aba85 still clears (a no-op) and skips track_pfn_copy.
        DUP: {},
        FREE: { target: 'freed' },
      },
    },
    tracked: {
      on: {
        REMAP_WHOLE: [
          { guard: 'trackedDesign', actions: emit({ type: 'remap_refused', ret: -22 }) },
          // legacy: track_pfn_remap reserves again, VM_PAT stays set (two entries, one owner).
          { actions: emit({ type: 'track_pfn_remap' }) },
        ],
        REMAP_PARTIAL: { actions: emit({ type: 'pfnmap_setup_cachemode' }) },
        ATTACH: { actions: emit({ type: 'attach' }) },
        DUP: [
          { guard: 'trackedDesign', actions: emit({ type: 'ctx_dup' }) },
          { guard: and(['isSplitOrMremap', 'dupClearsPat']), actions: emit({ type: 'untrack_pfn_clear_new' }) },
          { guard: 'isSplitOrMremap', actions: emit({ type: 'inherit_pat' }) },
          { guard: 'forkCopyClearsFirst', actions: [emit({ type: 'untrack_pfn_clear_new' }), emit({ type: 'track_pfn_copy_dst' })] },
          { actions: [emit({ type: 'inherit_pat' }), emit({ type: 'track_pfn_copy_src' })] },
        ],
        UNMAP: { guard: 'legacyDesign', actions: emit({ type: 'untrack_pfn' }) },
        ZAP: { guard: 'legacyDesign', actions: emit({ type: 'untrack_pfn' }) },
        MOVE_SOURCE: { guard: 'legacyDesign', target: 'untracked', actions: emit({ type: 'untrack_pfn_clear' }) },
        COPY_FAILED: [
          { guard: 'copyFailFrees', target: 'untracked', actions: emit({ type: 'untrack_pfn_copy' }) },
          { guard: 'copyFailClears', target: 'untracked', actions: emit({ type: 'untrack_pfn_clear' }) },
        ],
        CLEAR: { target: 'untracked', actions: emit({ type: 'detach' }) },
        FREE: [
          { guard: ({ context }) => context.design.kind === 'precise', target: 'freed', actions: [emit({ type: 'ctx_put' }), emit({ type: 'untrack_uncovered' })] },
          { guard: 'trackedDesign', target: 'freed', actions: emit({ type: 'ctx_put' }) },
          { target: 'freed' },
        ],
      },
    },
    freed: { type: 'final' },
  },
});

export const VMA_ALPHABET: readonly VmaEvent[] = [
  { type: 'REMAP_WHOLE' },
  { type: 'REMAP_PARTIAL' },
  { type: 'ATTACH' },
  { type: 'DUP', reason: 'split' },
  { type: 'DUP', reason: 'mremap' },
  { type: 'DUP', reason: 'fork' },
  { type: 'UNMAP' },
  { type: 'ZAP' },
  { type: 'MOVE_SOURCE' },
  { type: 'COPY_FAILED' },
  { type: 'CLEAR' },
  { type: 'FREE' },
];
export const V_REMAP_WHOLE = 0;
export const V_REMAP_PARTIAL = 1;
export const V_ATTACH = 2;
export const V_DUP_SPLIT = 3;
export const V_DUP_MREMAP = 4;
export const V_DUP_FORK = 5;
export const V_UNMAP = 6;
export const V_ZAP = 7;
export const V_MOVE_SOURCE = 8;
export const V_COPY_FAILED = 9;
export const V_CLEAR = 10;
export const V_FREE = 11;
