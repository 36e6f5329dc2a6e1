/**
 * Each machine through its pure transitions (initialTransition / transition), as the kernel
 * functions they stand for behave.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { emittedOf } from '../../models/compile.ts';
import { krefMachine } from '../../models/krefMachine.ts';
import { memtypeMachine } from '../../models/memtypeMachine.ts';
import { patInfoMachine } from '../../models/patInfoMachine.ts';
import { syscallMachine } from '../../models/syscallMachine.ts';
import { vmaMachine } from '../../models/vmaMachine.ts';
import { UC, UC_MINUS, WB, WC, WT } from '../../src/state/cacheMode.ts';
import { parseDesign, TRACKED, type Design } from '../../src/state/design.ts';
import type { AnyStateMachine, EventObject } from 'xstate';

const step = (m: AnyStateMachine, snap: unknown, ev: EventObject & Record<string, unknown>) => {
  const [next, actions] = transition(m, snap as never, ev);
  return { next, facts: emittedOf(actions as never) };
};
const legacy = (n: string): Design => parseDesign(n) as Design;
const PRECISE = parseDesign('precise') as Design;
const V619 = parseDesign('tracked@v6.19') as Design;
type ReserveEvent = { req: number; mtrrUc: boolean; overlap: 'none' | 'uniform' | 'conflict'; first: number; strict: boolean; caller: 'pfnmap' | 'ioremap' };
type VmaEvent = EventObject & Record<string, unknown>;

describe('kref machine (pfnmap_track_ctx)', () => {
  it('starts at kref_init 1, shares up to REFCOUNT_MAX, then refuses with -ENOMEM', () => {
    let [s] = initialTransition(krefMachine, { refcountMax: 3, options: TRACKED.options });
    expect(s.context.count).toBe(1);
    let r = step(krefMachine, s, { type: 'DUP' });
    expect(r.facts).toEqual([{ type: 'kref_get', kref: 2 }]);
    r = step(krefMachine, r.next, { type: 'DUP' });
    expect(r.facts).toEqual([{ type: 'kref_get', kref: 3 }]);
    r = step(krefMachine, r.next, { type: 'DUP' });
    expect(r.facts).toEqual([{ type: 'vm_area_dup_refused', ret: -12 }]);
    expect(r.next.context.count).toBe(3);
    s = r.next;
  });
  it('releases (untrack and free) exactly when the last reference is put', () => {
    const [s] = initialTransition(krefMachine, { refcountMax: 4, options: TRACKED.options });
    let r = step(krefMachine, s, { type: 'DUP' });
    r = step(krefMachine, r.next, { type: 'PUT' });
    expect(r.facts).toEqual([{ type: 'kref_put', kref: 1 }]);
    expect(r.next.value).toBe('live');
    r = step(krefMachine, r.next, { type: 'PUT' });
    expect(r.facts).toEqual([{ type: 'kref_put', kref: 0 }, { type: 'pfnmap_untrack', range: 'ctx' }, { type: 'pfnmap_track_ctx_release' }]);
    expect(r.next.value).toBe('released');
    expect(r.next.context.count).toBe(0);
    r = step(krefMachine, r.next, { type: 'PUT' });
    expect(r.facts).toEqual([{ type: 'warn', reason: 'refcount_underflow' }]);
    r = step(krefMachine, r.next, { type: 'DUP' });
    expect(r.facts).toEqual([{ type: 'warn', reason: 'refcount_underflow' }]);
  });
  it('the precise proposal untracks what is left of the range, piece by piece, at release', () => {
    const [s] = initialTransition(krefMachine, { refcountMax: 4, options: PRECISE.options });
    expect(step(krefMachine, s, { type: 'PUT' }).facts).toEqual([{ type: 'kref_put', kref: 0 }, { type: 'pfnmap_untrack', range: 'remaining' }, { type: 'pfnmap_track_ctx_release' }]);
  });
});

describe('memtype machine (memtype_reserve, reserve_pfn_range, memtype_free)', () => {
  const [s0] = initialTransition(memtypeMachine, { options: TRACKED.options });
  const reserve = (p: Partial<ReserveEvent>) =>
    step(memtypeMachine, s0, { type: 'RESERVE', req: WB, mtrrUc: false, overlap: 'none', first: 0, strict: false, caller: 'pfnmap', ...p }).facts;
  it('grants the request when nothing overlaps', () => {
    expect(reserve({ req: UC_MINUS })).toEqual([
      { type: 'memtype_reserve', ret: 0, reqType: UC_MINUS, newType: UC_MINUS },
      { type: 'reserve_result', ret: 0, cacheMode: UC_MINUS },
    ]);
  });
  it('turns a WB request into UC- over an uncachable MTRR range (pat_x_mtrr_type)', () => {
    expect(reserve({ req: WB, mtrrUc: true }).at(-1)).toEqual({ type: 'reserve_result', ret: 0, cacheMode: UC_MINUS });
    expect(reserve({ req: WC, mtrrUc: true }).at(-1)).toEqual({ type: 'reserve_result', ret: 0, cacheMode: WC });
  });
  it('refuses overlapping entries of two types with -EBUSY', () => {
    const f = reserve({ overlap: 'conflict' });
    expect(f[0]).toMatchObject({ type: 'memtype_reserve', ret: -16 });
    expect(f.at(-1)).toMatchObject({ ret: -16 });
  });
  it('substitutes the existing type where is_new_memtype_allowed allows it', () => {
    expect(reserve({ req: WB, overlap: 'uniform', first: WC }).at(-1)).toEqual({ type: 'reserve_result', ret: 0, cacheMode: WC });
    expect(reserve({ req: UC_MINUS, overlap: 'uniform', first: WC }).at(-1)).toEqual({ type: 'reserve_result', ret: 0, cacheMode: WC });
  });
  it('refuses, frees and returns -EINVAL for UC-→WB, WC→WB, WT→WB, WT→WC (reserve_pfn_range)', () => {
    for (const [req, got] of [
      [UC_MINUS, WB],
      [WC, WB],
      [WT, WB],
      [WT, WC],
    ]) {
      const f = reserve({ req, overlap: 'uniform', first: got });
      expect(f.map((x) => x.type)).toEqual(['memtype_reserve', 'memtype_free_reserved', 'reserve_result']);
      expect(f.at(-1)).toMatchObject({ ret: -22 });
    }
  });
  it('strict_prot (track_pfn_copy) reserves, then refuses any other type with -EINVAL; ioremap refuses with -EBUSY', () => {
    const f = reserve({ req: UC, overlap: 'uniform', first: UC_MINUS, strict: true });
    expect(f.map((x) => x.type)).toEqual(['memtype_reserve', 'memtype_free_reserved', 'reserve_result']);
    expect(f.at(-1)).toMatchObject({ ret: -22 });
    expect(reserve({ req: UC_MINUS, overlap: 'uniform', first: UC_MINUS, strict: true }).at(-1)).toMatchObject({ ret: 0 });
    expect(reserve({ req: UC_MINUS, overlap: 'uniform', first: WB, caller: 'ioremap' }).at(-1)).toMatchObject({ ret: -16 });
  });
  it('frees an exact match, shrinks an END match only where memtype_erase has the END rule (before v6.16), else fails', () => {
    const free = (exact: boolean, endMatch: boolean, d: Design) =>
      step(memtypeMachine, initialTransition(memtypeMachine, { options: d.options })[0], { type: 'FREE', exact, endMatch }).facts[0];
    const old = legacy('legacy@v6.1');
    expect(free(true, true, old)).toMatchObject({ match: 'exact', ret: 0 });
    expect(free(false, true, old)).toMatchObject({ match: 'end', ret: 0 });
    expect(free(false, true, TRACKED)).toMatchObject({ match: 'none', ret: -22 });
    expect(free(false, false, old)).toMatchObject({ match: 'none', ret: -22 });
  });
});

describe('VMA lifecycle machine', () => {
  const hooks = (d: Design, state: 'untracked' | 'tracked', ev: VmaEvent) => {
    const [s] = initialTransition(vmaMachine, { options: d.options });
    const from = vmaMachine.resolveState({ value: state, context: s.context });
    return step(vmaMachine, from, ev).facts.map((f) => f.type);
  };
  it('tracked: whole remap allocates a ctx, a second one is refused, dups share, free puts', () => {
    expect(hooks(TRACKED, 'untracked', { type: 'REMAP_WHOLE' })).toEqual(['pfnmap_track_ctx_alloc']);
    expect(hooks(TRACKED, 'tracked', { type: 'REMAP_WHOLE' })).toEqual(['remap_refused']);
    for (const reason of ['split', 'mremap', 'fork'] as const) expect(hooks(TRACKED, 'tracked', { type: 'DUP', reason })).toEqual(['ctx_dup']);
    expect(hooks(TRACKED, 'tracked', { type: 'FREE' })).toEqual(['ctx_put']);
    expect(hooks(TRACKED, 'tracked', { type: 'ZAP' })).toEqual([]);
    expect(hooks(TRACKED, 'tracked', { type: 'UNMAP' })).toEqual([]);
    expect(hooks(TRACKED, 'untracked', { type: 'REMAP_PARTIAL' })).toEqual(['pfnmap_setup_cachemode']);
    expect(hooks(TRACKED, 'untracked', { type: 'FILL_FAILED' })).toEqual(['zap_partial']);
    expect(hooks(TRACKED, 'untracked', { type: 'REMAP_FAILED' })).toEqual([]);
    expect(hooks(PRECISE, 'tracked', { type: 'FREE' })).toEqual(['ctx_put', 'untrack_uncovered']);
  });
  it('legacy remap failure: the partial mapping is zapped from 79a61cc3fc04 on, then untrack_pfn runs if VM_PAT is still set', () => {
    expect(hooks(legacy('legacy@v6.9'), 'tracked', { type: 'FILL_FAILED' })).toEqual([]);
    expect(hooks(legacy('legacy@v6.15'), 'tracked', { type: 'FILL_FAILED' })).toEqual(['zap_partial']);
    expect(hooks(legacy('legacy@v6.15'), 'tracked', { type: 'REMAP_FAILED' })).toEqual(['untrack_pfn_explicit']);
    expect(hooks(legacy('legacy@v6.15'), 'untracked', { type: 'REMAP_FAILED' })).toEqual([]);
  });
  it('legacy: zaps and unmaps untrack, mremap clears the source, splits inherit (except bug D)', () => {
    const v615 = legacy('legacy@v6.15');
    expect(hooks(v615, 'tracked', { type: 'ZAP' })).toEqual(['untrack_pfn']);
    expect(hooks(v615, 'tracked', { type: 'UNMAP' })).toEqual(['untrack_pfn']);
    expect(hooks(v615, 'tracked', { type: 'MOVE_SOURCE' })).toEqual(['untrack_pfn_clear']);
    expect(hooks(v615, 'tracked', { type: 'DUP', reason: 'split' })).toEqual(['inherit_pat']);
    expect(hooks(legacy('legacy@v6.15-rc1'), 'tracked', { type: 'DUP', reason: 'split' })).toEqual(['untrack_pfn_clear_new']);
    expect(hooks(legacy('legacy@v6.15-rc1'), 'tracked', { type: 'DUP', reason: 'mremap' })).toEqual(['untrack_pfn_clear_new']);
  });
  it('legacy fork: track_pfn_copy(src) before dc84bc2aba85, (dst, src) after; copy failure per fix', () => {
    expect(hooks(legacy('legacy@v6.1'), 'tracked', { type: 'DUP', reason: 'fork' })).toEqual(['inherit_pat', 'track_pfn_copy_src']);
    expect(hooks(legacy('legacy@v6.15'), 'tracked', { type: 'DUP', reason: 'fork' })).toEqual(['untrack_pfn_clear_new', 'track_pfn_copy_dst']);
    expect(hooks(legacy('legacy@v6.1'), 'tracked', { type: 'COPY_FAILED' })).toEqual([]);
    expect(hooks(legacy('legacy@v6.9'), 'tracked', { type: 'COPY_FAILED' })).toEqual(['untrack_pfn_clear']);
    expect(hooks(legacy('legacy@v6.15'), 'tracked', { type: 'COPY_FAILED' })).toEqual(['untrack_pfn_copy']);
  });
});

describe('get_pat_info machine (legacy first-PTE lookup)', () => {
  const info = (d: string, pte: 'special' | 'anon' | 'none', cow: boolean, needProt: boolean) => {
    const [s] = initialTransition(patInfoMachine, { options: legacy(d).options });
    return step(patInfoMachine, s, { type: 'GET_PAT_INFO', pte, cow, needProt }).facts[0];
  };
  it('follows the first PTE; before 04c35ab3bdae an anon COW page is taken for the range', () => {
    expect(info('legacy@v6.1', 'special', false, false)).toEqual({ type: 'pat_info', source: 'pte' });
    expect(info('legacy@v6.1', 'anon', true, false)).toEqual({ type: 'pat_info', source: 'anon' });
    expect(info('legacy@v6.1', 'none', false, false)).toEqual({ type: 'pat_info_failed', ret: -22, warn: true });
  });
  it('from 04c35ab3bdae: vm_pgoff fallback for COW untrack, -EINVAL for COW fork, WARN otherwise', () => {
    expect(info('legacy@v6.9', 'anon', true, false)).toEqual({ type: 'pat_info', source: 'pgoff' });
    expect(info('legacy@v6.9', 'anon', true, true)).toEqual({ type: 'pat_info_failed', ret: -22, warn: false });
    expect(info('legacy@v6.9', 'none', false, false)).toEqual({ type: 'pat_info_failed', ret: -22, warn: true });
  });
});

describe('address-space machine (checks before a call changes anything)', () => {
  const machine = (d: Design) => initialTransition(syscallMachine, { options: d.options })[0];
  const facts = (ev: EventObject & Record<string, unknown>, d: Design = TRACKED) => step(syscallMachine, machine(d), ev).facts;
  const s0 = machine(TRACKED);
  const mremapArgs = (p: Record<string, boolean>) => ({ type: 'MREMAP', badFlags: false, fixedWithoutMaymove: false, dontunmapBad: false, unaligned: false, newLenZero: false, ...p });
  const mremap = (p: Record<string, boolean>) => ({
    type: 'MREMAP_VMA',
    noVma: false,
    newUnaligned: false,
    overlap: false,
    growPfnmap: false,
    dontunmapNotFixed: false,
    fixed: false,
    samePages: false,
    ...p,
  });
  it('returns the kernel errnos in the kernel order', () => {
    expect(facts({ type: 'MUNMAP', unaligned: true, lenZero: false, noVma: true })).toEqual([{ type: 'syscall_error', ret: -22 }]);
    expect(facts({ type: 'MUNMAP', unaligned: false, lenZero: true, noVma: true })).toEqual([{ type: 'syscall_error', ret: -22 }]);
    expect(facts({ type: 'MUNMAP', unaligned: false, lenZero: false, noVma: true })).toEqual([{ type: 'noop', ret: 0 }]);
    expect(facts({ type: 'MPROTECT', unaligned: false, lenZero: true, startInHole: true, sameProt: false, walkHole: false })).toEqual([{ type: 'noop', ret: 0 }]);
    expect(facts({ type: 'MPROTECT', unaligned: false, lenZero: false, startInHole: true, sameProt: false, walkHole: false })).toEqual([{ type: 'syscall_error', ret: -12 }]);
    expect(facts({ type: 'MPROTECT', unaligned: false, lenZero: false, startInHole: false, sameProt: true, walkHole: true })).toEqual([{ type: 'noop', ret: -12 }]);
    expect(facts({ type: 'MADVISE', unaligned: false, lenZero: false, noVma: false, refused: true, allDontcopy: false, walkHole: false })).toEqual([
      { type: 'syscall_error', ret: -22 },
    ]);
    expect(facts({ type: 'MMAP', lenZero: false, unaligned: false, noSpace: true, fixed: false })).toEqual([{ type: 'syscall_error', ret: -12 }]);
    expect(facts({ type: 'FORK', noSlot: true })).toEqual([{ type: 'syscall_error', ret: -11 }]);
    expect(facts(mremapArgs({ fixedWithoutMaymove: true }))).toEqual([{ type: 'syscall_error', ret: -22 }]);
    expect(facts(mremapArgs({}))).toEqual([{ type: 'proceed' }]);
    // the new address's alignment: after the lookup up to v6.15, before it from v6.16; the overlap before it from v6.17
    expect(facts(mremap({ noVma: true, newUnaligned: true }), legacy('legacy@v6.15'))).toEqual([{ type: 'syscall_error', ret: -14 }]);
    expect(facts(mremap({ noVma: true, newUnaligned: true }))).toEqual([{ type: 'syscall_error', ret: -22 }]);
    expect(facts(mremap({ noVma: true, overlap: true }))).toEqual([{ type: 'syscall_error', ret: -14 }]);
    expect(facts(mremap({ noVma: true, overlap: true }), V619)).toEqual([{ type: 'syscall_error', ret: -22 }]);
    expect(facts(mremap({ growPfnmap: true }))).toEqual([{ type: 'syscall_error', ret: -14 }]);
    expect(facts({ type: 'FAULT', unmapped: true })).toEqual([{ type: 'fault_signal', signal: 'SIGSEGV' }]);
  });
  it('orders MAP_FIXED and mremap MREMAP_FIXED per era', () => {
    const old = legacy('legacy@v6.1');
    expect(facts({ type: 'MMAP', lenZero: false, unaligned: false, noSpace: false, fixed: true })).toEqual([{ type: 'proceed' }, { type: 'mmap_fixed', replaced: 'detach_replaced' }]);
    expect(facts({ type: 'MMAP', lenZero: false, unaligned: false, noSpace: false, fixed: true }, old)).toEqual([{ type: 'proceed' }, { type: 'mmap_fixed', replaced: 'unmap_replaced' }]);
    expect(facts({ type: 'MMAP', lenZero: false, unaligned: false, noSpace: false, fixed: true }, V619)).toEqual([{ type: 'proceed' }, { type: 'mmap_fixed', replaced: 'unmap_replaced' }]);
    const steps = (d: Design, samePages = false) => facts(mremap({ fixed: true, samePages }), d).slice(1).map((f) => f.step);
    expect(steps(old)).toEqual(['unmap_destination', 'unmap_tail', 'vma_lookup', 'resize_check', 'move']);
    expect(steps(TRACKED)).toEqual(['unmap_destination', 'unmap_tail', 'vma_lookup', 'resize_check', 'move']);
    expect(steps(V619)).toEqual(['resize_check_early', 'unmap_destination', 'unmap_tail', 'vma_lookup', 'resize_check', 'move']);
    expect(steps(V619, true)).toEqual(['remap_move', 'resize_check', 'unmap_destination', 'vma_lookup', 'move']);
    expect(steps(TRACKED, true)).toEqual(['unmap_destination', 'unmap_tail', 'vma_lookup', 'resize_check', 'move']);
  });
  it('an address space ends at exit', () => {
    const r = step(syscallMachine, s0, { type: 'EXIT' });
    expect(r.next.value).toBe('exited');
    expect(r.facts).toEqual([{ type: 'proceed' }]);
  });
});
