/**
 * Divergences between the model and the recorded kernel that are understood and documented
 * (docs/real-kernel.md, "Divergences"): which recorded program, under which design, at which
 * step and in which aspect the model and the kernel part. test/conform checks that every
 * recorded trace either conforms or diverges exactly as listed here, so an entry must be
 * removed when the model is fixed, and a new divergence cannot go unnoticed.
 *
 * Resolved: D1 (v6.1-v6.15 mremap does vma_lookup(old_addr) first, EFAULT before any other
 * check or unmap; the model did it only for v6.16). Found by the fuzzed reproducers, pinned by
 * mremap_shrink_from_hole, mremap_fixed_from_hole and mremap_dontunmap_from_hole, fixed in
 * models/kernel.ts mremap; those three recordings now conform.
 */
import type { Aspect } from './compare.ts';

export interface KnownDivergence {
  readonly id: string;
  readonly program: string;
  readonly design: string;
  readonly step: number;
  readonly aspect: Aspect;
  readonly summary: string;
}

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [];
