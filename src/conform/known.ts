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
 * Resolved: E2 (v6.16 checks an MREMAP_FIXED address's alignment before the lookup) and the
 * v6.16 half of E3 (6.16.12 unmaps the destination before refusing a PFNMAP that would grow),
 * by tracked@v6.16.
 *
 * Open: E1, E3 and E4, the differences of 6.19.14 and 7.3.4 from v6.16, while their
 * recordings are judged against `tracked` (= tracked@v6.16).
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
  E3: 'v6.17 check_prep_vma and the overlap check before mremap_to unmaps the destination: `tracked` (v6.16) unmaps first and looks the old VMA up before the overlap check',
  E4: 'v6.17 remap_move: an MREMAP_FIXED move of equal lengths moves every VMA of its range; `tracked` refuses a range past one VMA (EFAULT)',
};

/** [id, kernel, program, step, aspect] of every recording of 6.19.14 and 7.3.4 that diverges from `tracked` */
const ERA_DIVERGENCES: readonly (readonly [string, string, string, number, Aspect])[] = [
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
  ['E3', '6.19.14', 'mremap_fixed_grow_refused', 3, 'kernel log'],
  ['E3', '6.19.14', 'mremap_fixed_overlap_from_hole', 2, 'result'],
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
  ['E3', '7.3.4', 'mremap_fixed_grow_refused', 3, 'kernel log'],
  ['E3', '7.3.4', 'mremap_fixed_overlap_from_hole', 2, 'result'],
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
