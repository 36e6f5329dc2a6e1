/**
 * The memtype reservation decisions of arch/x86/mm/pat/memtype.c and memtype_interval.c
 * (reference §1.3-§1.7). A decision machine: one state, each event carries the classification
 * the executor read off the tree, each edge emits the facts that follow.
 *
 * RESERVE: memtype_reserve() with its caller's check of the returned type.
 *   step 4: pat_x_mtrr_type: a WB request over a non-WB MTRR range becomes UC-;
 *   memtype_check_conflict (non-strict, as every modelled caller uses it): no overlap → the
 *   request; the first overlapping entry's type if every overlapping entry agrees, else -EBUSY;
 *   caller 'pfnmap' (reserve_pfn_range): a returned type that differs from the request is
 *   refused (free, -EINVAL, "map pfn expected mapping type") when strict_prot is set or
 *   !is_new_memtype_allowed; otherwise the prot is rewritten to it;
 *   caller 'ioremap' (__ioremap_caller): refused with free when !is_new_memtype_allowed.
 * FREE_PART (the `precise` proposal only): free [start, end) out of the entry that contains it,
 *   leaving the pieces before and after it reserved; no containing entry is a failed free.
 * FREE: memtype_erase(): an EXACT match is removed; before v6.16 an END match
 *   (entry.start < start && entry.end == end) is shrunk to [entry.start, start); otherwise the
 *   free fails: "freeing invalid memtype", -EINVAL.
 */
import { emit, setup } from 'xstate';
import { UC_MINUS, WB, isNewMemtypeAllowed } from '../src/state/cacheMode.ts';
import { EBUSY, EINVAL } from '../src/state/errno.ts';

export const OVERLAP_NONE = 0;
export const OVERLAP_UNIFORM = 1;
export const OVERLAP_CONFLICT = 2;

export type ReserveCaller = 'pfnmap' | 'ioremap';

export interface ReserveEvent {
  readonly type: 'RESERVE';
  /** Requested cache mode (enum page_cache_mode). */
  readonly req: number;
  /** The MTRR type of the range is not WB. */
  readonly mtrrUc: boolean;
  /** OVERLAP_NONE / OVERLAP_UNIFORM / OVERLAP_CONFLICT, for the request after the MTRR step. */
  readonly overlap: number;
  /** Type of the first overlapping entry (when overlap is uniform). */
  readonly first: number;
  /** reserve_pfn_range's strict_prot (track_pfn_copy before v6.16): any substituted type is refused. */
  readonly strict: boolean;
  readonly caller: ReserveCaller;
}

export interface FreeEvent {
  readonly type: 'FREE';
  readonly exact: boolean;
  readonly endMatch: boolean;
  /** The old memtype_erase END-match rule (v6.1-v6.15); removed by the v6.16 series (patch 08). */
  readonly endRule: boolean;
}

export interface FreePartEvent {
  readonly type: 'FREE_PART';
  /** an entry of the owner contains [start, end) */
  readonly contained: boolean;
}

export type MemtypeEvent = ReserveEvent | FreeEvent | FreePartEvent;

export type MemtypeFact =
  /** memtype_reserve's own result: 0 with the resolved type, or -EBUSY (conflict). */
  | { type: 'memtype_reserve'; ret: number; reqType: number; newType: number; printk?: string }
  /** the caller refuses the returned type: memtype_free of what was just reserved. */
  | { type: 'memtype_free_reserved'; printk: string }
  /** the caller's final answer: 0 with the cache mode the mapping gets, or an error. */
  | { type: 'reserve_result'; ret: number; cacheMode: number }
  | { type: 'memtype_free'; match: 'exact' | 'end' | 'part' | 'none'; ret: number; printk?: string };

const actualType = (e: ReserveEvent): number => (e.req === WB && e.mtrrUc ? UC_MINUS : e.req);

/**
 * memtype_reserve as every modelled caller calls it: non-strict (a new_type pointer), so an
 * overlap of one type is substituted. reserve_pfn_range's strict_prot (track_pfn_copy) is
 * not memtype_check_conflict's strict mode: the reservation is made with the substituted
 * type and then refused by the caller (free, "map pfn expected mapping type", -EINVAL), as
 * Debian's 6.1.192 memtype.c does (docs/real-kernel.md, D2).
 */
const resolve = (e: ReserveEvent): { ret: number; type: number } => {
  const req = actualType(e);
  if (e.overlap === OVERLAP_NONE) return { ret: 0, type: req };
  if (e.overlap === OVERLAP_CONFLICT) return { ret: -EBUSY, type: req };
  return { ret: 0, type: e.first };
};

export const memtypeMachine = setup({
  types: {
    events: {} as MemtypeEvent,
    emitted: {} as MemtypeFact,
  },
  guards: {
    conflict: ({ event }) => event.type === 'RESERVE' && resolve(event).ret !== 0,
    /** reserve_pfn_range: pcm != want && (strict_prot || !is_new_memtype_allowed) */
    pfnmapRefusesType: ({ event }) => {
      if (event.type !== 'RESERVE' || event.caller !== 'pfnmap') return false;
      const r = resolve(event);
      return r.type !== event.req && (event.strict || !isNewMemtypeAllowed(event.req, r.type));
    },
    /** __ioremap_caller: pcm != new_pcm && !is_new_memtype_allowed */
    ioremapRefusesType: ({ event }) => {
      if (event.type !== 'RESERVE' || event.caller !== 'ioremap') return false;
      const r = resolve(event);
      return r.type !== event.req && !isNewMemtypeAllowed(event.req, r.type);
    },
    exactMatch: ({ event }) => event.type === 'FREE' && event.exact,
    endMatch: ({ event }) => event.type === 'FREE' && event.endRule && event.endMatch,
  },
}).createMachine({
  id: 'memtype',
  initial: 'ready',
  states: {
    ready: {
      on: {
        RESERVE: [
          {
            guard: 'conflict',
            actions: [
              emit(({ event }) => ({
                type: 'memtype_reserve' as const,
                ret: -EBUSY,
                reqType: actualType(event as ReserveEvent),
                newType: actualType(event as ReserveEvent),
                printk: 'conflicting memory types',
              })),
              emit(({ event }) => ({
                type: 'reserve_result' as const,
                ret: -EBUSY,
                cacheMode: actualType(event as ReserveEvent),
              })),
            ],
          },
          {
            guard: 'pfnmapRefusesType',
            actions: [
              emit(({ event }) => ({
                type: 'memtype_reserve' as const,
                ret: 0,
                reqType: actualType(event as ReserveEvent),
                newType: resolve(event as ReserveEvent).type,
              })),
              emit({ type: 'memtype_free_reserved', printk: 'map pfn expected mapping type' }),
              emit(({ event }) => ({ type: 'reserve_result' as const, ret: -EINVAL, cacheMode: resolve(event as ReserveEvent).type })),
            ],
          },
          {
            guard: 'ioremapRefusesType',
            actions: [
              emit(({ event }) => ({
                type: 'memtype_reserve' as const,
                ret: 0,
                reqType: actualType(event as ReserveEvent),
                newType: resolve(event as ReserveEvent).type,
              })),
              emit({ type: 'memtype_free_reserved', printk: 'ioremap error' }),
              emit(({ event }) => ({ type: 'reserve_result' as const, ret: -EBUSY, cacheMode: resolve(event as ReserveEvent).type })),
            ],
          },
          {
            actions: [
              emit(({ event }) => ({
                type: 'memtype_reserve' as const,
                ret: 0,
                reqType: actualType(event as ReserveEvent),
                newType: resolve(event as ReserveEvent).type,
              })),
              emit(({ event }) => ({ type: 'reserve_result' as const, ret: 0, cacheMode: resolve(event as ReserveEvent).type })),
            ],
          },
        ],
        FREE_PART: [
          { guard: ({ event }) => event.type === 'FREE_PART' && event.contained, actions: emit({ type: 'memtype_free', match: 'part', ret: 0 }) },
          { actions: emit({ type: 'memtype_free', match: 'none', ret: -EINVAL, printk: 'freeing invalid memtype' }) },
        ],
        FREE: [
          { guard: 'exactMatch', actions: emit({ type: 'memtype_free', match: 'exact', ret: 0 }) },
          { guard: 'endMatch', actions: emit({ type: 'memtype_free', match: 'end', ret: 0 }) },
          {
            actions: emit({ type: 'memtype_free', match: 'none', ret: -EINVAL, printk: 'freeing invalid memtype' }),
          },
        ],
      },
    },
  },
});

/** The alphabet the executor uses, and the index of each event in it. */
export const RESERVE_CALLERS: readonly ReserveCaller[] = ['pfnmap', 'ioremap'];
export const reserveIndex = (req: number, mtrrUc: boolean, overlap: number, first: number, strict: boolean, caller: number): number =>
  ((((req * 2 + (mtrrUc ? 1 : 0)) * 3 + overlap) * 6 + first) * 2 + (strict ? 1 : 0)) * 2 + caller;
export const RESERVE_COUNT = 6 * 2 * 3 * 6 * 2 * 2;
export const freeIndex = (exact: boolean, endMatch: boolean, endRule: boolean): number =>
  RESERVE_COUNT + (exact ? 4 : 0) + (endMatch ? 2 : 0) + (endRule ? 1 : 0);
export const freePartIndex = (contained: boolean): number => RESERVE_COUNT + 8 + (contained ? 1 : 0);

export const MEMTYPE_ALPHABET: readonly MemtypeEvent[] = (() => {
  const out: MemtypeEvent[] = [];
  for (let req = 0; req < 6; req++)
    for (const mtrrUc of [false, true])
      for (let overlap = 0; overlap < 3; overlap++)
        for (let first = 0; first < 6; first++)
          for (const strict of [false, true])
            for (const caller of RESERVE_CALLERS) out.push({ type: 'RESERVE', req, mtrrUc, overlap, first, strict, caller });
  for (const exact of [false, true])
    for (const endMatch of [false, true]) for (const endRule of [false, true]) out.push({ type: 'FREE', exact, endMatch, endRule });
  out.push({ type: 'FREE_PART', contained: false }, { type: 'FREE_PART', contained: true });
  return out;
})();
