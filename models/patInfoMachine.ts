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
import { and, emit, not, setup } from 'xstate';
import type { DesignOptions } from '../src/state/design.ts';
import { BOOL, alphabet, family } from './alphabet.ts';

export const FIRST_PTES = ['special', 'anon', 'none'] as const;
export type FirstPte = (typeof FIRST_PTES)[number];

export const PAT_INFO = alphabet(
  family('GET_PAT_INFO', {
    pte: FIRST_PTES,
    cow: BOOL,
    /** track_pfn_copy needs the prot (to reserve strictly the same type); untrack_pfn does not */
    needProt: BOOL,
  }),
);
export const PAT_INFO_ALPHABET = PAT_INFO.events;
export const [GET_PAT_INFO_EVENT] = PAT_INFO.families;

export type PatInfoFact =
  /** paddr (and prot) from the first PTE's pfn */
  | { type: 'pat_info'; source: 'pte' }
  /** paddr of the anonymous COW page: RAM, so the free or reserve does nothing */
  | { type: 'pat_info'; source: 'anon' }
  /** paddr = vm_pgoff << PAGE_SHIFT */
  | { type: 'pat_info'; source: 'pgoff' }
  | { type: 'pat_info_failed'; ret: number; warn: boolean };

type GetPatInfoEvent = { readonly type: 'GET_PAT_INFO'; readonly pte: FirstPte; readonly cow: boolean; readonly needProt: boolean };

export const patInfoMachine = setup({
  types: {
    context: {} as { options: DesignOptions },
    input: {} as { options: DesignOptions },
    events: {} as GetPatInfoEvent,
    emitted: {} as PatInfoFact,
  },
  guards: {
    specialPte: ({ event }) => event.pte === 'special',
    anonPte: ({ event }) => event.pte === 'anon',
    cowMapping: ({ event }) => event.cow,
    needProt: ({ event }) => event.needProt,
    /** 04c35ab3bdae (v6.9): get_pat_info with follow_phys refusing anon folios and the vm_pgoff fallback */
    cowFix: ({ context }) => context.options.fixes['04c35ab3bdae'],
  },
  actions: {
    fromPte: emit({ type: 'pat_info', source: 'pte' }),
    fromAnon: emit({ type: 'pat_info', source: 'anon' }),
    fromPgoff: emit({ type: 'pat_info', source: 'pgoff' }),
    failQuietly: emit({ type: 'pat_info_failed', ret: -22, warn: false }),
    failWarn: emit({ type: 'pat_info_failed', ret: -22, warn: true }),
  },
}).createMachine({
  id: 'get_pat_info',
  context: ({ input }) => ({ options: input.options }),
  initial: 'ready',
  states: {
    ready: {
      on: {
        GET_PAT_INFO: [
          { guard: 'specialPte', actions: 'fromPte' },
          // v6.9+: anon folios are refused by follow_phys; COW mappings fall back to vm_pgoff
          { guard: and(['cowFix', 'cowMapping', not('needProt')]), actions: 'fromPgoff' },
          { guard: and(['cowFix', 'cowMapping', 'needProt']), actions: 'failQuietly' },
          // before v6.9: follow_phys returns the anon page's address
          { guard: and([not('cowFix'), 'anonPte']), actions: 'fromAnon' },
          { actions: 'failWarn' },
        ],
      },
    },
  },
});
