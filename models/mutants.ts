/**
 * Seeded bugs: small, plausible mistakes in the tracked design, one (at least) per invariant,
 * each a change to one machine (a guard or an action replaced with XState's `provide`), compiled
 * and run like the real machines. The checker must report each as a violation of the invariant
 * it targets, with a shortest counterexample that replays to the same violation
 * (test/checker/mutants.test.ts). `pfnmap check --mutant NAME` runs one.
 */
import { emit, enqueueActions } from 'xstate';
import { UC_MINUS, WB } from '../src/state/cacheMode.ts';
import type { MachineChange, MachineSet } from './tables.ts';

export interface Mutant extends MachineChange {
  /** the invariant it must be caught by */
  readonly targets: string;
  /** the design it mutates (tracked unless given) */
  readonly design?: string;
  readonly description: string;
}

type Reserve = { readonly req: number; readonly mtrrUc: boolean; readonly overlap: string; readonly first: number; readonly caller: string };
const requested = (e: Reserve): number => (e.req === WB && e.mtrrUc ? UC_MINUS : e.req);
const nothing = (): void => undefined;

const mutant = (name: string, targets: string, description: string, change: (m: MachineSet) => MachineSet, design?: string): Mutant => ({
  name,
  targets,
  description,
  change,
  design,
});

export const MUTANTS: readonly Mutant[] = [
  mutant('mremap-no-dst-unmap', 'vma-no-overlap', 'MREMAP_FIXED moves onto a mapped destination without unmapping it', (m) => ({
    ...m,
    syscall: m.syscall.provide({ actions: { unmapDestination: nothing } }),
  })),
  mutant('reserve-no-conflict-check', 'memtype-no-overlap', 'memtype_reserve grants every request without the conflict check', (m) => ({
    ...m,
    memtype: m.memtype.provide({
      guards: { conflict: () => false, pfnmapRefusesType: () => false, ioremapRefusesType: () => false },
      actions: {
        reserveGranted: emit(({ event }) => ({ type: 'memtype_reserve' as const, ret: 0, reqType: requested(event as Reserve), newType: requested(event as Reserve) })),
        grantResult: emit(({ event }) => ({ type: 'reserve_result' as const, ret: 0, cacheMode: requested(event as Reserve) })),
      },
    }),
  })),
  mutant('remap-ignores-reserved-type', 'pte-no-alias', 'PTEs get the requested cache mode instead of the reserved one', (m) => ({
    ...m,
    memtype: m.memtype.provide({
      actions: {
        // remap_pfn_range maps with what it asked, whatever reserve_pfn_range returned
        grantResult: emit(({ event }) => ({ type: 'reserve_result' as const, ret: 0, cacheMode: (event as Reserve).caller === 'pfnmap' ? (event as Reserve).req : resolvedOf(event as Reserve) })),
      },
    }),
  })),
  mutant('release-without-untrack', 'memtype-no-leak', 'the kref release frees the ctx without pfnmap_untrack', (m) => ({
    ...m,
    kref: m.kref.provide({ actions: { untrackRange: nothing } }),
  })),
  mutant('untrack-vma-size', 'no-invalid-free', "the release untracks the last VMA's size instead of ctx->size", (m) => ({
    ...m,
    kref: m.kref.provide({ actions: { untrackRange: emit({ type: 'pfnmap_untrack', range: 'freed_vma' }) } }),
  })),
  mutant('double-put', 'no-warn', 'vm_area_free drops the kref twice', (m) => ({
    ...m,
    vma: m.vma.provide({
      actions: {
        ctxPut: enqueueActions(({ enqueue }) => {
          enqueue.emit({ type: 'ctx_put' });
          enqueue.emit({ type: 'ctx_put' });
        }),
      },
    }),
  })),
  mutant('dup-without-get', 'kref-exact', 'vm_area_dup shares the ctx without kref_get', (m) => ({
    ...m,
    kref: m.kref.provide({ actions: { krefGet: nothing, increment: nothing } }),
  })),
  mutant('zap-puts-kref', 'kref-exact', 'a kernel zap drops the kref of the VMA it zaps', (m) => ({
    ...m,
    vma: m.vma.provide({ actions: { zapWithoutTracking: emit({ type: 'ctx_put' }) } }),
  })),
  mutant(
    'precise-no-partial-untrack',
    'tracking-precise',
    'the precise design forgets to untrack the pages a freed VMA leaves unmapped',
    (m) => ({ ...m, vma: m.vma.provide({ actions: { untrackUncovered: nothing } }) }),
    'precise',
  ),
];

const resolvedOf = (e: Reserve): number => (e.overlap === 'uniform' ? e.first : requested(e));

export const mutantNamed = (name: string): Mutant | undefined => MUTANTS.find((m) => m.name === name);
