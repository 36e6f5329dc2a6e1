/**
 * The kref of a `struct pfnmap_track_ctx` (v6.16, mm/vma_init.c and mm/memory.c; reference §3.2-§3.4).
 * The state is the count, and the state holds it: the ctx's kref byte is this machine's state
 * (compiled with stateCode = count; 0 is released).
 *
 * - created by pfnmap_track_ctx_alloc with kref_init: count 1;
 * - DUP: vm_area_dup → vma_pfnmap_track_ctx_dup: refused with -ENOMEM once the count reached
 *   REFCOUNT_MAX, otherwise kref_get (split, mremap move, fork share one ctx);
 * - PUT: vm_area_free → vma_pfnmap_track_ctx_release → kref_put; at 0 the release callback
 *   pfnmap_track_ctx_release untracks the full original range (pfnmap_untrack of ctx->pfn,
 *   ctx->size) and frees the ctx. The precise proposal untracks what is still reserved of the
 *   range instead, piece by piece (its pieces were cut as VMAs went);
 * - any use after release is a refcount_t WARN (underflow / addition on 0).
 */
import { and, assign, emit, setup } from 'xstate';
import { alphabet, family } from './alphabet.ts';
import type { DesignOptions } from '../src/state/design.ts';

export const KREF = alphabet(family('DUP', {}), family('PUT', {}));
export const KREF_ALPHABET = KREF.events;
export const [KREF_DUP_EVENT, KREF_PUT_EVENT] = KREF.families;

export type KrefFact =
  | { type: 'kref_get'; kref: number }
  | { type: 'kref_put'; kref: number }
  | { type: 'vm_area_dup_refused'; ret: number }
  /** pfnmap_untrack at release: of the ctx's range, of the owner's remaining entries (precise), or (a seeded bug) of the VMA being freed */
  | { type: 'pfnmap_untrack'; range: 'ctx' | 'remaining' | 'freed_vma' }
  | { type: 'pfnmap_track_ctx_release' }
  | { type: 'warn'; reason: 'refcount_underflow' };

export const ENOMEM = 12;

export interface KrefInput {
  readonly refcountMax: number;
  readonly options: DesignOptions;
}

export const krefMachine = setup({
  types: {
    context: {} as { count: number; refcountMax: number; untrackRemaining: boolean },
    input: {} as KrefInput,
    emitted: {} as KrefFact,
  },
  guards: {
    refcountSaturated: ({ context }) => context.count >= context.refcountMax,
    lastReference: ({ context }) => context.count === 1,
    /** the precise proposal: the range was cut piece by piece as VMAs went */
    untrackRemaining: ({ context }) => context.untrackRemaining,
  },
  actions: {
    krefGet: emit(({ context }) => ({ type: 'kref_get' as const, kref: context.count + 1 })),
    krefPut: emit(({ context }) => ({ type: 'kref_put' as const, kref: context.count - 1 })),
    increment: assign({ count: ({ context }) => context.count + 1 }),
    decrement: assign({ count: ({ context }) => context.count - 1 }),
    refuseDup: emit({ type: 'vm_area_dup_refused', ret: -ENOMEM }),
    untrackRange: emit({ type: 'pfnmap_untrack', range: 'ctx' }),
    untrackRemaining: emit({ type: 'pfnmap_untrack', range: 'remaining' }),
    freeCtx: emit({ type: 'pfnmap_track_ctx_release' }),
    warnUnderflow: emit({ type: 'warn', reason: 'refcount_underflow' }),
  },
}).createMachine({
  id: 'pfnmap_track_ctx.kref',
  context: ({ input }) => ({ count: 1, refcountMax: input.refcountMax, untrackRemaining: input.options.untrackUncovered }),
  initial: 'live',
  states: {
    live: {
      on: {
        DUP: [{ guard: 'refcountSaturated', actions: 'refuseDup' }, { actions: ['krefGet', 'increment'] }],
        PUT: [
          { guard: and(['lastReference', 'untrackRemaining']), target: 'released', actions: ['krefPut', 'decrement', 'untrackRemaining', 'freeCtx'] },
          { guard: 'lastReference', target: 'released', actions: ['krefPut', 'decrement', 'untrackRange', 'freeCtx'] },
          { actions: ['krefPut', 'decrement'] },
        ],
      },
    },
    released: {
      on: {
        DUP: { actions: 'warnUnderflow' },
        PUT: { actions: 'warnUnderflow' },
      },
    },
  },
});

/** The kref machine's state held in a ctx's kref byte: the count (0: released). */
export const krefStateCode = (snapshot: { readonly context: unknown }): number => (snapshot.context as { count: number }).count;
