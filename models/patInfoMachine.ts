/**
 * Legacy (VM_PAT) only: where untrack_pfn / track_pfn_copy get the physical address (and the
 * prot) of a VMA's reservation, from its FIRST PTE (reference §2.4, §2.9 B):
 *
 * - before 04c35ab3bdae (v6.1 .. v6.8): follow_phys() on vm_start. A special PFN PTE gives its
 *   pfn and prot; an anonymous COW copy gives the anon page's address (RAM: the free is a
 *   no-op and the real entry leaks); no PTE: WARN_ON_ONCE and fail.
 * - from 04c35ab3bdae (v6.9): get_pat_info(). follow_phys refuses anon folios. A COW mapping
 *   falls back to vm_pgoff for the address when the caller does not need the prot
 *   (untrack_pfn), and fails with -EINVAL when it does (track_pfn_copy: fork fails); any other
 *   failure is WARN_ON_ONCE and -EINVAL.
 */
import { emit, setup } from 'xstate';
import type { Design } from '../src/state/design.ts';

export type FirstPte = 'special' | 'anon' | 'none';

export interface GetPatInfoEvent {
  readonly type: 'GET_PAT_INFO';
  readonly pte: FirstPte;
  readonly cow: boolean;
  /** track_pfn_copy needs the prot (to reserve strictly the same type); untrack_pfn does not. */
  readonly needProt: boolean;
}

export type PatInfoFact =
  /** paddr (and prot) from the first PTE's pfn */
  | { type: 'pat_info'; source: 'pte' }
  /** paddr of the anonymous COW page: RAM, so the free or reserve does nothing */
  | { type: 'pat_info'; source: 'anon' }
  /** paddr = vm_pgoff << PAGE_SHIFT */
  | { type: 'pat_info'; source: 'pgoff' }
  | { type: 'pat_info_failed'; ret: number; warn: boolean };

export const patInfoMachine = setup({
  types: {
    context: {} as { design: Design },
    input: {} as { design: Design },
    events: {} as GetPatInfoEvent,
    emitted: {} as PatInfoFact,
  },
  guards: {
    specialPte: ({ event }) => event.pte === 'special',
  },
}).createMachine({
  id: 'get_pat_info',
  context: ({ input }) => ({ design: input.design }),
  initial: 'ready',
  states: {
    ready: {
      on: {
        GET_PAT_INFO: [
          { guard: 'specialPte', actions: emit({ type: 'pat_info', source: 'pte' }) },
          // v6.9+: anon folios are refused by follow_phys; COW mappings fall back to vm_pgoff.
          {
            guard: ({ context, event }) =>
              context.design.kind === 'legacy' && context.design.fixes['04c35ab3bdae'] && event.cow && !event.needProt,
            actions: emit({ type: 'pat_info', source: 'pgoff' }),
          },
          {
            guard: ({ context, event }) =>
              context.design.kind === 'legacy' && context.design.fixes['04c35ab3bdae'] && event.cow && event.needProt,
            actions: emit({ type: 'pat_info_failed', ret: -22, warn: false }),
          },
          // before v6.9: follow_phys returns the anon page's address.
          {
            guard: ({ context, event }) => !(context.design.kind === 'legacy' && context.design.fixes['04c35ab3bdae']) && event.pte === 'anon',
            actions: emit({ type: 'pat_info', source: 'anon' }),
          },
          { actions: emit({ type: 'pat_info_failed', ret: -22, warn: true }) },
        ],
      },
    },
  },
});

export const PAT_INFO_ALPHABET: readonly GetPatInfoEvent[] = (['special', 'anon', 'none'] as const).flatMap((pte) =>
  [false, true].flatMap((cow) => [false, true].map((needProt) => ({ type: 'GET_PAT_INFO' as const, pte, cow, needProt }))),
);
export const patInfoIndex = (pte: FirstPte, cow: boolean, needProt: boolean): number =>
  (pte === 'special' ? 0 : pte === 'anon' ? 1 : 2) * 4 + (cow ? 2 : 0) + (needProt ? 1 : 0);
