/**
 * The memtype reservation decisions of arch/x86/mm/pat/memtype.c and memtype_interval.c
 * (reference §1.3-§1.7). Each event carries what the decider read off the tree; each edge emits
 * the facts that follow.
 *
 * RESERVE: memtype_reserve() with its caller's check of the returned type.
 *   step 4: pat_x_mtrr_type: a WB request over a non-WB MTRR range becomes UC-;
 *   memtype_check_conflict (non-strict, as every modelled caller uses it): no overlap → the
 *   request; the first overlapping entry's type if every overlapping entry agrees, else -EBUSY;
 *   caller 'pfnmap' (reserve_pfn_range): a returned type that differs from the request is
 *   refused (free, -EINVAL, "map pfn expected mapping type") when strict_prot is set or
 *   !is_new_memtype_allowed; otherwise the prot is rewritten to it;
 *   caller 'ioremap' (__ioremap_caller): refused with free when !is_new_memtype_allowed.
 * FREE: memtype_erase(): an EXACT match is removed; before v6.16 an END match
 *   (entry.start < start && entry.end == end) is shrunk to [entry.start, start) (the option
 *   memtypeEndMatch; removed by 81baf8450165); otherwise the free fails: "freeing invalid
 *   memtype", -EINVAL.
 * FREE_PART (the precise proposal only): free [start, end) out of the owner's entry that
 *   contains it, leaving the pieces before and after it reserved; none is a failed free.
 */
import { emit, setup } from 'xstate';
import { CACHE_MODES, UC_MINUS, WB, isNewMemtypeAllowed } from '../src/state/cacheMode.ts';
import type { DesignOptions } from '../src/state/design.ts';
import { EBUSY, EINVAL } from '../src/state/errno.ts';
import { BOOL, alphabet, family, upTo } from './alphabet.ts';

export const OVERLAPS = ['none', 'uniform', 'conflict'] as const;
export const OVERLAP_NONE = 0;
export const OVERLAP_UNIFORM = 1;
export const OVERLAP_CONFLICT = 2;
export const RESERVE_CALLERS = ['pfnmap', 'ioremap'] as const;
export type ReserveCaller = (typeof RESERVE_CALLERS)[number];
const MODES = upTo(CACHE_MODES.length);

export const MEMTYPE = alphabet(
  family('RESERVE', {
    /** requested cache mode (enum page_cache_mode) */
    req: MODES,
    /** the MTRR type of the range is not WB */
    mtrrUc: BOOL,
    /** memtype_check_conflict's view, for the request after the MTRR step */
    overlap: OVERLAPS,
    /** type of the first overlapping entry (when the overlap is uniform) */
    first: MODES,
    /** reserve_pfn_range's strict_prot (track_pfn_copy before v6.16): any substituted type is refused */
    strict: BOOL,
    caller: RESERVE_CALLERS,
  }),
  family('FREE', { exact: BOOL, endMatch: BOOL }),
  family('FREE_PART', { contained: BOOL }),
);
export const MEMTYPE_ALPHABET = MEMTYPE.events;
export const [RESERVE_EVENT, FREE_EVENT, FREE_PART_EVENT] = MEMTYPE.families;

interface ReserveEvent {
  readonly type: 'RESERVE';
  readonly req: number;
  readonly mtrrUc: boolean;
  readonly overlap: (typeof OVERLAPS)[number];
  readonly first: number;
  readonly strict: boolean;
  readonly caller: ReserveCaller;
}
type MemtypeEvent = ReserveEvent | { readonly type: 'FREE'; readonly exact: boolean; readonly endMatch: boolean } | { readonly type: 'FREE_PART'; readonly contained: boolean };

export type MemtypeFact =
  /** memtype_reserve's own result: 0 with the resolved type, or -EBUSY (conflict). */
  | { type: 'memtype_reserve'; ret: number; reqType: number; newType: number }
  /** the caller refuses the returned type: memtype_free of what was just reserved. */
  | { type: 'memtype_free_reserved'; printk: string }
  /** the caller's final answer: 0 with the cache mode the mapping gets, or an error. */
  | { type: 'reserve_result'; ret: number; cacheMode: number }
  | { type: 'memtype_free'; match: 'exact' | 'end' | 'part' | 'none'; ret: number };

const actualType = (e: ReserveEvent): number => (e.req === WB && e.mtrrUc ? UC_MINUS : e.req);
/** The type memtype_check_conflict resolves to (the request with no overlap, else the first entry's). */
const resolved = (e: ReserveEvent): number => (e.overlap === 'uniform' ? e.first : actualType(e));
const reserveOf = (e: MemtypeEvent): ReserveEvent => e as ReserveEvent;

export const memtypeMachine = setup({
  types: {
    context: {} as { endMatch: boolean },
    input: {} as { options: DesignOptions },
    events: {} as MemtypeEvent,
    emitted: {} as MemtypeFact,
  },
  guards: {
    conflict: ({ event }) => event.type === 'RESERVE' && event.overlap === 'conflict',
    /** reserve_pfn_range: pcm != want && (strict_prot || !is_new_memtype_allowed) */
    pfnmapRefusesType: ({ event }) =>
      event.type === 'RESERVE' && event.caller === 'pfnmap' && resolved(event) !== event.req && (event.strict || !isNewMemtypeAllowed(event.req, resolved(event))),
    /** __ioremap_caller: pcm != new_pcm && !is_new_memtype_allowed */
    ioremapRefusesType: ({ event }) => event.type === 'RESERVE' && event.caller === 'ioremap' && resolved(event) !== event.req && !isNewMemtypeAllowed(event.req, resolved(event)),
    exactMatch: ({ event }) => event.type === 'FREE' && event.exact,
    endMatch: ({ context, event }) => event.type === 'FREE' && context.endMatch && event.endMatch,
    contained: ({ event }) => event.type === 'FREE_PART' && event.contained,
  },
  actions: {
    reserveConflict: emit(({ event }) => ({ type: 'memtype_reserve' as const, ret: -EBUSY, reqType: actualType(reserveOf(event)), newType: actualType(reserveOf(event)) })),
    conflictResult: emit(({ event }) => ({ type: 'reserve_result' as const, ret: -EBUSY, cacheMode: actualType(reserveOf(event)) })),
    reserveGranted: emit(({ event }) => ({ type: 'memtype_reserve' as const, ret: 0, reqType: actualType(reserveOf(event)), newType: resolved(reserveOf(event)) })),
    freeReservedPfnmap: emit({ type: 'memtype_free_reserved', printk: 'map pfn expected mapping type' }),
    freeReservedIoremap: emit({ type: 'memtype_free_reserved', printk: 'ioremap error' }),
    pfnmapRefusal: emit(({ event }) => ({ type: 'reserve_result' as const, ret: -EINVAL, cacheMode: resolved(reserveOf(event)) })),
    ioremapRefusal: emit(({ event }) => ({ type: 'reserve_result' as const, ret: -EBUSY, cacheMode: resolved(reserveOf(event)) })),
    /** the caller maps with the type it got */
    grantResult: emit(({ event }) => ({ type: 'reserve_result' as const, ret: 0, cacheMode: resolved(reserveOf(event)) })),
    freeExact: emit({ type: 'memtype_free', match: 'exact', ret: 0 }),
    freeEnd: emit({ type: 'memtype_free', match: 'end', ret: 0 }),
    freePart: emit({ type: 'memtype_free', match: 'part', ret: 0 }),
    freeInvalid: emit({ type: 'memtype_free', match: 'none', ret: -EINVAL }),
  },
}).createMachine({
  id: 'memtype',
  context: ({ input }) => ({ endMatch: input.options.memtypeEndMatch }),
  initial: 'ready',
  states: {
    ready: {
      on: {
        RESERVE: [
          { guard: 'conflict', actions: ['reserveConflict', 'conflictResult'] },
          { guard: 'pfnmapRefusesType', actions: ['reserveGranted', 'freeReservedPfnmap', 'pfnmapRefusal'] },
          { guard: 'ioremapRefusesType', actions: ['reserveGranted', 'freeReservedIoremap', 'ioremapRefusal'] },
          { actions: ['reserveGranted', 'grantResult'] },
        ],
        FREE: [{ guard: 'exactMatch', actions: 'freeExact' }, { guard: 'endMatch', actions: 'freeEnd' }, { actions: 'freeInvalid' }],
        FREE_PART: [{ guard: 'contained', actions: 'freePart' }, { actions: 'freeInvalid' }],
      },
    },
  },
});

export { actualType, resolved };
