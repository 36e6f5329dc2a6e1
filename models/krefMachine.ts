/**
 * The kref of a `struct pfnmap_track_ctx` (v6.16, mm/vma_init.c and mm/memory.c; reference §3.2-§3.4).
 *
 * - created by pfnmap_track_ctx_alloc with kref_init: count 1;
 * - DUP: vm_area_dup → vma_pfnmap_track_ctx_dup: refused with -ENOMEM once the count reached
 *   REFCOUNT_MAX, otherwise kref_get (split, mremap move, fork share one ctx);
 * - PUT: vm_area_free → vma_pfnmap_track_ctx_release → kref_put; at 0 the release callback
 *   pfnmap_track_ctx_release untracks the full original range (pfnmap_untrack) and frees the ctx;
 * - any use after release is a refcount_t WARN (underflow / addition on 0).
 */
import { assign, emit, setup } from 'xstate';

export type KrefEvent = { type: 'DUP' } | { type: 'PUT' };

export type KrefFact =
  | { type: 'kref_get'; kref: number }
  | { type: 'kref_put'; kref: number }
  | { type: 'vm_area_dup_refused'; ret: number }
  | { type: 'pfnmap_track_ctx_release' }
  | { type: 'warn'; reason: 'refcount_underflow' };

export const ENOMEM = 12;

export const krefMachine = setup({
  types: {
    context: {} as { count: number; refcountMax: number },
    input: {} as { refcountMax: number },
    events: {} as KrefEvent,
    emitted: {} as KrefFact,
  },
  guards: {
    refcountSaturated: ({ context }) => context.count >= context.refcountMax,
    lastReference: ({ context }) => context.count === 1,
  },
}).createMachine({
  id: 'pfnmap_track_ctx.kref',
  context: ({ input }) => ({ count: 1, refcountMax: input.refcountMax }),
  initial: 'live',
  states: {
    live: {
      on: {
        DUP: [
          { guard: 'refcountSaturated', actions: emit({ type: 'vm_area_dup_refused', ret: -ENOMEM }) },
          {
            actions: [
              assign({ count: ({ context }) => context.count + 1 }),
              emit(({ context }) => ({ type: 'kref_get' as const, kref: context.count })),
            ],
          },
        ],
        PUT: [
          {
            guard: 'lastReference',
            target: 'released',
            actions: [
              assign({ count: 0 }),
              emit({ type: 'kref_put', kref: 0 }),
              emit({ type: 'pfnmap_track_ctx_release' }),
            ],
          },
          {
            actions: [
              assign({ count: ({ context }) => context.count - 1 }),
              emit(({ context }) => ({ type: 'kref_put' as const, kref: context.count })),
            ],
          },
        ],
      },
    },
    released: {
      on: {
        DUP: { actions: emit({ type: 'warn', reason: 'refcount_underflow' }) },
        PUT: { actions: emit({ type: 'warn', reason: 'refcount_underflow' }) },
      },
    },
  },
});

export const KREF_ALPHABET: readonly KrefEvent[] = [{ type: 'DUP' }, { type: 'PUT' }];
export const KREF_DUP = 0;
export const KREF_PUT = 1;
