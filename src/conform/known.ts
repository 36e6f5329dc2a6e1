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
 * Resolved: the era differences E1-E4 of the tracked design's kernels (recorded on 6.16.12,
 * 6.19.14 and 7.3.4), by the presets tracked@v6.16 (E2, and E3's v6.16 order) and
 * tracked@v6.19 (E1, E3, E4): every recording of every kernel conforms to its preset.
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

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [];
