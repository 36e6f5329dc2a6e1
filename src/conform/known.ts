/**
 * Divergences between the model and the recorded kernels that are understood and documented
 * (docs/real-kernel.md §9): which recorded program, on which kernel, under which design, at
 * which step and in which aspect the model and the kernel part. test/conform checks that every
 * recorded trace either conforms or diverges exactly as listed here, so an entry must be
 * removed when the model is fixed, and a new divergence cannot go unnoticed.
 *
 * Resolved: D1 (v6.1-v6.15 mremap does vma_lookup(old_addr) first, EFAULT before any other
 * check or unmap; the model did it only for v6.16). Found by the fuzzed reproducers, pinned by
 * mremap_shrink_from_hole, mremap_fixed_from_hole and mremap_dontunmap_from_hole, fixed in
 * models/kernel.ts mremap; those three recordings now conform.
 *
 * Open: the era differences E1-E4 between the kernels of the tracked design, while the
 * recordings of 6.16.12, 6.19.14 and 7.3.4 are judged against the one `tracked` design.
 */
import type { Aspect } from './compare.ts';

export interface KnownDivergence {
  readonly id: string;
  /** the kernel the recording was made on (its test/fixtures/kernel/ directory) */
  readonly kernel: string;
  readonly program: string;
  readonly design: string;
  readonly step: number;
  readonly aspect: Aspect;
  readonly summary: string;
}

const SUMMARY: Record<string, string> = {
  E1: 'v6.19 /dev/mem mmap_prepare: MAP_FIXED frees the replaced VMAs before the remap reserves; `tracked` reserves first',
  E2: 'v6.16 check_mremap_params: an unaligned MREMAP_FIXED address is EINVAL before the old VMA lookup; `tracked` looks up first (EFAULT)',
  E3: 'v6.17 check_prep_vma / overlap check before mremap_to unmaps: 6.16 unmaps the destination first, 6.19 refuses an overlap before the lookup; `tracked` does neither as the kernel',
  E4: 'v6.17 remap_move: an MREMAP_FIXED move of equal lengths moves every VMA of its range; `tracked` refuses a range past one VMA (EFAULT)',
};

/** [id, kernel, program, step, aspect] of every recording that diverges from `tracked` */
const ERA_DIVERGENCES: readonly (readonly [string, string, string, number, Aspect])[] = [
  ['E3', '6.16.12', 'mremap_fixed_grow_refused', 3, 'kernel log'],
  ['E2', '6.16.12', 'mremap_fixed_unaligned_from_hole', 2, 'result'],
  ['E1', '6.19.14', 'map_fixed_over_whole', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_private_over_shared', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_refused_leaves_hole', 3, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_same_range', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_then_fork', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_uc_mtrr_over_wb', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_uc_over_moved', 3, 'result'],
  ['E1', '6.19.14', 'map_fixed_uc_over_split', 3, 'result'],
  ['E1', '6.19.14', 'map_fixed_uc_over_two_mappings', 3, 'result'],
  ['E1', '6.19.14', 'map_fixed_uc_over_wb_other', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_uc_over_wb_same', 2, 'result'],
  ['E1', '6.19.14', 'map_fixed_uc_same_twice', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_wb_over_uc_same', 2, 'kernel log'],
  ['E1', '6.19.14', 'map_fixed_wb_over_uc_split', 3, 'kernel log'],
  ['E3', '6.19.14', 'mremap_fixed_overlap_from_hole', 2, 'result'],
  ['E2', '6.19.14', 'mremap_fixed_unaligned_from_hole', 2, 'result'],
  ['E4', '6.19.14', 'mremap_move_across_split_middle', 3, 'result'],
  ['E4', '6.19.14', 'mremap_move_past_end', 2, 'result'],
  ['E4', '6.19.14', 'mremap_move_span_forked', 4, 'result'],
  ['E4', '6.19.14', 'mremap_move_split_pieces', 3, 'result'],
  ['E4', '6.19.14', 'mremap_move_two_mappings_gap', 3, 'result'],
  ['E1', '7.3.4', 'map_fixed_over_whole', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_private_over_shared', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_refused_leaves_hole', 3, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_same_range', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_then_fork', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_uc_mtrr_over_wb', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_uc_over_moved', 3, 'result'],
  ['E1', '7.3.4', 'map_fixed_uc_over_split', 3, 'result'],
  ['E1', '7.3.4', 'map_fixed_uc_over_two_mappings', 3, 'result'],
  ['E1', '7.3.4', 'map_fixed_uc_over_wb_other', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_uc_over_wb_same', 2, 'result'],
  ['E1', '7.3.4', 'map_fixed_uc_same_twice', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_wb_over_uc_same', 2, 'kernel log'],
  ['E1', '7.3.4', 'map_fixed_wb_over_uc_split', 3, 'kernel log'],
  ['E3', '7.3.4', 'mremap_fixed_overlap_from_hole', 2, 'result'],
  ['E2', '7.3.4', 'mremap_fixed_unaligned_from_hole', 2, 'result'],
  ['E4', '7.3.4', 'mremap_move_across_split_middle', 3, 'result'],
  ['E4', '7.3.4', 'mremap_move_past_end', 2, 'result'],
  ['E4', '7.3.4', 'mremap_move_span_forked', 4, 'result'],
  ['E4', '7.3.4', 'mremap_move_split_pieces', 3, 'result'],
  ['E4', '7.3.4', 'mremap_move_two_mappings_gap', 3, 'result'],
];

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = ERA_DIVERGENCES.map(([id, kernel, program, step, aspect]) => ({
  id,
  kernel,
  program,
  design: 'tracked',
  step,
  aspect,
  summary: SUMMARY[id],
}));
