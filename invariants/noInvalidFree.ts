/**
 * no-invalid-free: no memtype_free fails ("x86/PAT: freeing invalid memtype", -EINVAL).
 *
 * Kept by: freeing exactly the range that was reserved (v6.16: pfnmap_track_ctx_release frees
 * ctx->pfn, ctx->size, an exact match).
 * Broken by: legacy untrack_pfn of a head or middle piece of a split VMA (bug E, the
 * munmap_split selftest), a double free (mutant `double-untrack`), an untrack of the current
 * VMA size instead of the ctx size (mutant `untrack-vma-size`).
 */
import { invalidFree, type Bytes } from '../src/state/access.ts';
import { rangeText, type View } from '../src/state/describe.ts';
import type { Invariant } from './invariant.ts';

const check = (w: View, s: Bytes): string | null => {
  const f = invalidFree(s);
  return f ? `memtype_free ${rangeText(w, f.start, f.end)} failed: freeing invalid memtype` : null;
};

export const noInvalidFree: Invariant = {
  name: 'no-invalid-free',
  kind: 'safety',
  statement: 'no memtype_free fails ("freeing invalid memtype")',
  check,
};
