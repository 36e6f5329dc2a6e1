/**
 * Seeded bugs: small, plausible mistakes in the tracked design's executor, one (at least) per
 * invariant. The checker must report each as a violation of the invariant it targets, with a
 * shortest counterexample that replays to the same violation (test/checker/mutants.test.ts).
 * `pfnmap check --mutant NAME` runs one.
 */
import type { Design } from '../src/state/design.ts';
import type { Universe } from '../src/state/universe.ts';
import { ownerOf, ctxPfn } from '../src/state/access.ts';
import { Kernel } from './kernel.ts';
import type { Tables } from './tables.ts';

export interface Mutant {
  readonly name: string;
  /** the invariant it must be caught by */
  readonly targets: string;
  /** the design it mutates (tracked unless given) */
  readonly design?: string;
  readonly description: string;
  readonly make: (u: Universe, d: Design, t: Tables) => Kernel;
}

/** mremap_to forgets do_munmap of the destination: copy_vma lands on a mapped range. */
class MremapNoDstUnmap extends Kernel {
  protected override unmapDestination(): number {
    return 0;
  }
}

/** memtype_reserve without memtype_check_conflict: every request is granted as asked. */
class ReserveNoConflictCheck extends Kernel {
  protected override classifyOverlap(): void {
    this.overlap = 0;
    this.overlapFirst = 0;
  }
}

/** remap_pfn_range fills PTEs with the requested cache mode, not the one reserve_pfn_range returned. */
class RemapIgnoresReservedType extends Kernel {
  protected override pteModeFor(requested: number): number {
    return requested;
  }
}

/** pfnmap_track_ctx_release frees the ctx but forgets pfnmap_untrack. */
class ReleaseWithoutUntrack extends Kernel {
  protected override release(c: number): void {
    this.f.ctxRelease(c);
  }
}

/** The release untracks the size of the VMA being freed, not ctx->size (the old design's habit). */
class UntrackVmaSize extends Kernel {
  private freedPages = 0;
  protected override vmFree(p: number, vs: number, ve: number, deferPut = false): void {
    this.freedPages = ve - vs;
    super.vmFree(p, vs, ve, deferPut);
  }
  protected override release(c: number): void {
    const pfn = ctxPfn(this.L, this.s, c);
    this.f.pfnmapUntrack(pfn, this.freedPages);
    this.free(pfn, pfn + this.freedPages, c);
    this.f.ctxRelease(c);
  }
}

/** vm_area_free puts the kref twice. */
class DoublePut extends Kernel {
  protected override vmFree(p: number, vs: number, ve: number, deferPut = false): void {
    const owner = ownerOf(this.L, this.s, p, vs);
    super.vmFree(p, vs, ve, deferPut);
    if (owner) this.ctxPut(owner);
  }
}

/** vm_area_dup shares the ctx pointer without kref_get. */
class DupWithoutGet extends Kernel {
  protected override ctxDup(): number {
    return 0;
  }
}

/** A kernel zap (unmap_mapping_range, zap_vma_ptes) drops the VMA's kref, as if it were an unmap. */
class ZapPutsKref extends Kernel {
  protected override zapRange(p: number, vs: number, a: number, b: number): void {
    const owner = ownerOf(this.L, this.s, p, vs);
    super.zapRange(p, vs, a, b);
    if (owner) this.ctxPut(owner);
  }
}

/** precise without the partial untrack: the tracked design's imprecision. */
class PreciseNoPartialUntrack extends Kernel {
  protected override untrackUncovered(): void {}
}

const mk =
  (C: typeof Kernel) =>
  (u: Universe, d: Design, t: Tables): Kernel =>
    new C(u, d, t);

export const MUTANTS: readonly Mutant[] = [
  { name: 'mremap-no-dst-unmap', targets: 'vma-no-overlap', description: 'MREMAP_FIXED moves onto a mapped destination without unmapping it', make: mk(MremapNoDstUnmap) },
  { name: 'reserve-no-conflict-check', targets: 'memtype-no-overlap', description: 'memtype_reserve grants every request without the conflict check', make: mk(ReserveNoConflictCheck) },
  { name: 'remap-ignores-reserved-type', targets: 'pte-no-alias', description: 'PTEs get the requested cache mode instead of the reserved one', make: mk(RemapIgnoresReservedType) },
  { name: 'release-without-untrack', targets: 'memtype-no-leak', description: 'the kref release frees the ctx without pfnmap_untrack', make: mk(ReleaseWithoutUntrack) },
  { name: 'untrack-vma-size', targets: 'no-invalid-free', description: 'the release untracks the last VMA\'s size instead of ctx->size', make: mk(UntrackVmaSize) },
  { name: 'double-put', targets: 'no-warn', description: 'vm_area_free drops the kref twice', make: mk(DoublePut) },
  { name: 'dup-without-get', targets: 'kref-exact', description: 'vm_area_dup shares the ctx without kref_get', make: mk(DupWithoutGet) },
  { name: 'zap-puts-kref', targets: 'kref-exact', description: 'a kernel zap drops the kref of the VMA it zaps', make: mk(ZapPutsKref) },
  {
    name: 'precise-no-partial-untrack',
    targets: 'tracking-precise',
    design: 'precise',
    description: 'the precise design forgets to untrack the pages a freed VMA leaves unmapped',
    make: mk(PreciseNoPartialUntrack),
  },
];

export const mutantNamed = (name: string): Mutant | undefined => MUTANTS.find((m) => m.name === name);
