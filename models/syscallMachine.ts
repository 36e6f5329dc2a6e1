/**
 * An address space and the checks each command makes before it changes anything, in the
 * kernel's order (reference §4; mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/madvise.c,
 * mm/mremap.c, kernel/fork.c, mm/memory.c): which errno a call returns at once, which calls
 * find nothing to do, and, for the calls whose order of operations differs between kernel eras
 * (MAP_FIXED, mremap with MREMAP_FIXED), the steps in their order.
 *
 * The decider classifies a command against the state into the fields below (its arguments,
 * and what the pages in its range hold: kernel.ts `classify`); the machine answers
 * `syscall_error` with the errno, `noop` with the result of a call that changes nothing, a
 * `fault_signal`, or `proceed` followed by the call's steps. The checker's search counts the
 * calls this machine answers without `proceed` in a state and does not run them
 * (src/checker/actions.ts): the answers are read from this machine's table, and the decider
 * returns the same answer when it runs the call.
 */
import { and, emit, setup } from 'xstate';
import type { DesignOptions } from '../src/state/design.ts';
import { EAGAIN, EFAULT, EINVAL, ENOMEM } from '../src/state/errno.ts';
import { BOOL, alphabet, family } from './alphabet.ts';

export const SYSCALL = alphabet(
  // do_mmap: len 0 → EINVAL; MAP_FIXED address unaligned → EINVAL; get_unmapped_area → ENOMEM
  family('MMAP', { lenZero: BOOL, unaligned: BOOL, noSpace: BOOL, fixed: BOOL }),
  // do_vmi_munmap: offset_in_page(start) or len 0 after PAGE_ALIGN → EINVAL; no VMA in the range → 0
  family('MUNMAP', { unaligned: BOOL, lenZero: BOOL, noVma: BOOL }),
  // do_mprotect_pkey: start unaligned → EINVAL; len 0 → 0; no VMA at start → ENOMEM; every VMA
  // the walk reaches already has the protection (mprotect_fixup returns at once for each) → nothing
  // changes, and the walk's result: ENOMEM when it met a hole before the end
  family('MPROTECT', { unaligned: BOOL, lenZero: BOOL, startInHole: BOOL, sameProt: BOOL, walkHole: BOOL }),
  // do_madvise: start unaligned → EINVAL; len 0 → 0; no VMA in the range → ENOMEM; an advice a
  // VM_PFNMAP VMA refuses (the selftest's list, MADV_DOFORK on VM_IO, MADV_DODUMP on VM_SPECIAL)
  // → EINVAL at its first VMA; MADV_DONTFORK where every VMA has VM_DONTCOPY → nothing changes,
  // ENOMEM if the range has holes
  family('MADVISE', { unaligned: BOOL, lenZero: BOOL, noVma: BOOL, refused: BOOL, allDontcopy: BOOL, walkHole: BOOL }),
  // mremap's argument checks: flags, alignment, new_len (check_mremap_params order)
  family('MREMAP', { badFlags: BOOL, fixedWithoutMaymove: BOOL, dontunmapBad: BOOL, unaligned: BOOL, newLenZero: BOOL }),
  // then, against the address space: vma_lookup(addr) → EFAULT; an MREMAP_FIXED / DONTUNMAP
  // target unaligned or overlapping the old range → EINVAL, after the lookup up to v6.15, the
  // alignment before it from v6.16, the overlap too from v6.17; growth of a VM_PFNMAP VMA →
  // EFAULT (remap_is_valid: VM_DONTEXPAND | VM_PFNMAP); DONTUNMAP of a VM_PFNMAP VMA (every VMA
  // the model holds) without MREMAP_FIXED → EINVAL
  family('MREMAP_VMA', {
    noVma: BOOL,
    newUnaligned: BOOL,
    overlap: BOOL,
    growPfnmap: BOOL,
    dontunmapNotFixed: BOOL,
    fixed: BOOL,
    /** old_len and new_len are the same number of pages (v6.17 remap_move's case) */
    samePages: BOOL,
  }),
  // copy_process: no room for another address space in the universe → EAGAIN
  family('FORK', { noSlot: BOOL }),
  family('EXIT', {}),
  // a fault at an address with no VMA: SIGSEGV, nothing else happens
  family('FAULT', { unmapped: BOOL }),
  // zap_vma_ptes of a range with no VMA: nothing
  family('ZAP_VMA_PTES', { unmapped: BOOL }),
);
export const SYSCALL_ALPHABET = SYSCALL.events;
export const [MMAP_EVENT, MUNMAP_EVENT, MPROTECT_EVENT, MADVISE_EVENT, MREMAP_EVENT, MREMAP_VMA_EVENT, FORK_EVENT, EXIT_EVENT, FAULT_EVENT, ZAP_VMA_PTES_EVENT] =
  SYSCALL.families;

/**
 * The steps of a call that proceeds, in order, where the order is a kernel era's:
 * - MAP_FIXED over mapped pages: `unmap_replaced` (v6.1 mmap_region: do_munmap first) or
 *   `detach_replaced` (__mmap_region: the replaced VMAs zapped and detached now, freed with
 *   their kref_put after the new mapping is in place, vms_complete_munmap_vmas);
 * - mremap with MREMAP_FIXED: v6.17 checks the source (`resize_check_early`, check_prep_vma)
 *   before it unmaps the destination; older kernels unmap the destination and the shrunk tail
 *   first, then look the VMA up again and check it (vma_to_resize). v6.17's remap_move, for
 *   equal lengths, runs the steps after `remap_move` once for every VMA of the old range.
 */
export type MremapStep = 'remap_move' | 'resize_check_early' | 'unmap_destination' | 'unmap_tail' | 'vma_lookup' | 'resize_check' | 'move';
export type SyscallFact =
  | { type: 'syscall_error'; ret: number }
  | { type: 'noop'; ret: number }
  | { type: 'fault_signal'; signal: 'SIGSEGV' }
  | { type: 'proceed' }
  | { type: 'mmap_fixed'; replaced: 'unmap_replaced' | 'detach_replaced' }
  | { type: 'mremap_step'; step: MremapStep };

type Ev = { readonly type: string; readonly [k: string]: unknown };
const flag =
  (name: string) =>
  ({ event }: { event: Ev }): boolean =>
    event[name] === true;

export const syscallMachine = setup({
  types: {
    context: {} as { options: DesignOptions },
    input: {} as { options: DesignOptions },
    events: {} as Ev,
    emitted: {} as SyscallFact,
  },
  guards: {
    lenZero: flag('lenZero'),
    unaligned: flag('unaligned'),
    noSpace: flag('noSpace'),
    fixed: flag('fixed'),
    noVma: flag('noVma'),
    startInHole: flag('startInHole'),
    sameProt: flag('sameProt'),
    walkHole: flag('walkHole'),
    refused: flag('refused'),
    allDontcopy: flag('allDontcopy'),
    badFlags: flag('badFlags'),
    fixedWithoutMaymove: flag('fixedWithoutMaymove'),
    dontunmapBad: flag('dontunmapBad'),
    newLenZero: flag('newLenZero'),
    newUnaligned: flag('newUnaligned'),
    overlap: flag('overlap'),
    samePages: flag('samePages'),
    growPfnmap: flag('growPfnmap'),
    dontunmapNotFixed: flag('dontunmapNotFixed'),
    noSlot: flag('noSlot'),
    unmapped: flag('unmapped'),
    /** __mmap_region (v6.12 on): replaced VMAs are freed after the new mapping */
    mapFixedFreesAfter: ({ context }) => context.options.mapFixedFreesAfter,
    /** v6.16 check_mremap_params: the new address's alignment before the lookup */
    mremapAlignFirst: ({ context }) => context.options.mremapAlignFirst,
    /** v6.17: the overlap before the lookup, check_prep_vma before the destination is unmapped */
    mremapChecksFirst: ({ context }) => context.options.mremapChecksFirst,
    /** v6.17 remap_move: an MREMAP_FIXED move of equal lengths moves every VMA of its range */
    mremapMoveMulti: ({ context }) => context.options.mremapMoveMulti,
  },
  actions: {
    einval: emit({ type: 'syscall_error', ret: -EINVAL }),
    enomem: emit({ type: 'syscall_error', ret: -ENOMEM }),
    efault: emit({ type: 'syscall_error', ret: -EFAULT }),
    eagain: emit({ type: 'syscall_error', ret: -EAGAIN }),
    returnZero: emit({ type: 'noop', ret: 0 }),
    returnEnomem: emit({ type: 'noop', ret: -ENOMEM }),
    segv: emit({ type: 'fault_signal', signal: 'SIGSEGV' }),
    proceed: emit({ type: 'proceed' }),
    unmapReplaced: emit({ type: 'mmap_fixed', replaced: 'unmap_replaced' }),
    detachReplaced: emit({ type: 'mmap_fixed', replaced: 'detach_replaced' }),
    remapMove: emit({ type: 'mremap_step', step: 'remap_move' }),
    resizeCheckEarly: emit({ type: 'mremap_step', step: 'resize_check_early' }),
    unmapDestination: emit({ type: 'mremap_step', step: 'unmap_destination' }),
    unmapTail: emit({ type: 'mremap_step', step: 'unmap_tail' }),
    vmaLookup: emit({ type: 'mremap_step', step: 'vma_lookup' }),
    resizeCheck: emit({ type: 'mremap_step', step: 'resize_check' }),
    move: emit({ type: 'mremap_step', step: 'move' }),
  },
}).createMachine({
  id: 'address_space',
  context: ({ input }) => ({ options: input.options }),
  initial: 'alive',
  states: {
    alive: {
      on: {
        MMAP: [
          { guard: 'lenZero', actions: 'einval' },
          { guard: 'unaligned', actions: 'einval' },
          { guard: 'noSpace', actions: 'enomem' },
          { guard: and(['fixed', 'mapFixedFreesAfter']), actions: ['proceed', 'detachReplaced'] },
          { guard: 'fixed', actions: ['proceed', 'unmapReplaced'] },
          { actions: 'proceed' },
        ],
        MUNMAP: [
          { guard: 'unaligned', actions: 'einval' },
          { guard: 'lenZero', actions: 'einval' },
          { guard: 'noVma', actions: 'returnZero' },
          { actions: 'proceed' },
        ],
        MPROTECT: [
          { guard: 'unaligned', actions: 'einval' },
          { guard: 'lenZero', actions: 'returnZero' },
          { guard: 'startInHole', actions: 'enomem' },
          { guard: and(['sameProt', 'walkHole']), actions: 'returnEnomem' },
          { guard: 'sameProt', actions: 'returnZero' },
          { actions: 'proceed' },
        ],
        MADVISE: [
          { guard: 'unaligned', actions: 'einval' },
          { guard: 'lenZero', actions: 'returnZero' },
          { guard: 'noVma', actions: 'enomem' },
          { guard: 'refused', actions: 'einval' },
          { guard: and(['allDontcopy', 'walkHole']), actions: 'returnEnomem' },
          { guard: 'allDontcopy', actions: 'returnZero' },
          { actions: 'proceed' },
        ],
        MREMAP: [
          { guard: 'badFlags', actions: 'einval' },
          { guard: 'fixedWithoutMaymove', actions: 'einval' },
          { guard: 'dontunmapBad', actions: 'einval' },
          { guard: 'unaligned', actions: 'einval' },
          { guard: 'newLenZero', actions: 'einval' },
          { actions: 'proceed' },
        ],
        MREMAP_VMA: [
          { guard: and(['newUnaligned', 'mremapAlignFirst']), actions: 'einval' },
          { guard: and(['overlap', 'mremapChecksFirst']), actions: 'einval' },
          { guard: 'noVma', actions: 'efault' },
          { guard: 'newUnaligned', actions: 'einval' },
          { guard: 'overlap', actions: 'einval' },
          { guard: 'growPfnmap', actions: 'efault' },
          { guard: 'dontunmapNotFixed', actions: 'einval' },
          // each VMA: check_prep_vma, do_munmap of its destination, the lookup, move_vma
          { guard: and(['fixed', 'samePages', 'mremapMoveMulti']), actions: ['proceed', 'remapMove', 'resizeCheck', 'unmapDestination', 'vmaLookup', 'move'] },
          { guard: and(['fixed', 'mremapChecksFirst']), actions: ['proceed', 'resizeCheckEarly', 'unmapDestination', 'unmapTail', 'vmaLookup', 'resizeCheck', 'move'] },
          { guard: 'fixed', actions: ['proceed', 'unmapDestination', 'unmapTail', 'vmaLookup', 'resizeCheck', 'move'] },
          { actions: 'proceed' },
        ],
        FORK: [{ guard: 'noSlot', actions: 'eagain' }, { actions: 'proceed' }],
        EXIT: { target: 'exited', actions: 'proceed' },
        FAULT: [{ guard: 'unmapped', actions: 'segv' }, { actions: 'proceed' }],
        ZAP_VMA_PTES: [{ guard: 'unmapped', actions: 'returnZero' }, { actions: 'proceed' }],
      },
    },
    exited: { type: 'final' },
  },
});
