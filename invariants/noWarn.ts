/**
 * no-warn: the kernel prints no WARN: get_pat_info / untrack_pfn finding no usable first PTE
 * (bugs A, C, F, G), a refcount_t underflow or saturation on a ctx kref.
 *
 * Kept by: untracking from recorded data (ctx->pfn, ctx->size) instead of page tables (v6.16),
 * the REFCOUNT_MAX check in vma_pfnmap_track_ctx_dup.
 * Broken by: legacy fork failure before d155df53f310 (bug A), the remap failure path with
 * 79a61cc3fc04 (bug G), a double kref_put (mutant `double-put`).
 */
import { warnMask, type Bytes } from '../src/state/access.ts';
import type { View } from '../src/state/describe.ts';
import { WARN_KINDS } from '../src/state/layout.ts';
import type { Invariant } from './invariant.ts';

const check = (_w: View, s: Bytes): string | null => {
  const m = warnMask(s);
  if (!m) return null;
  return WARN_KINDS.filter((k) => m & k.bit)
    .map((k) => k.text)
    .join('; ');
};

export const noWarn: Invariant = {
  name: 'no-warn',
  kind: 'safety',
  statement: 'no WARN the kernel would print (get_pat_info failure, refcount underflow or saturation)',
  check,
};
