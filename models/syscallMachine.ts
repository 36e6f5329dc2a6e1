/**
 * An address space and the argument checks of each syscall, in the kernel's order: which
 * errno a command returns before it touches anything (reference §4, mm/mmap.c, mm/vma.c,
 * mm/mprotect.c, mm/madvise.c, mm/mremap.c). The executor classifies the arguments into the
 * flags below; the machine answers `syscall_error` with the errno, or `proceed`.
 * Errors found while walking the VMAs (holes, VM_PFNMAP refusals) are decided by the executor
 * with the VMA machine, after any split already made, as the kernel does.
 *
 * It also says, per design, in which order two syscalls do what they do where kernels
 * differ (src/state/design.ts TrackedEra; docs/real-kernel.md §9):
 * - MMAP_REPLACE: whether the VMAs a MAP_FIXED mapping replaces are freed before the file's
 *   remap reserves (legacy: do_munmap / vms_clean_up_area untracks them first; v6.19: the
 *   mmap_prepare action runs after __mmap_complete) or after it (v6.16: mmap_mem's
 *   remap_pfn_range runs from __mmap_new_vma, vm_area_free from __mmap_complete);
 * - MREMAP_ORDER: whether the new address's alignment (v6.16 check_mremap_params) and its
 *   overlap with the old range (v6.17) are checked before the old VMA's lookup, the VMA before
 *   the destination is unmapped (v6.17 check_prep_vma), and whether an MREMAP_FIXED move of
 *   equal lengths moves every VMA of its range (v6.17 remap_move).
 */
import { assign, emit, setup } from 'xstate';
import { eraOf, type Design } from '../src/state/design.ts';
import { EAGAIN, EINVAL, ENOMEM } from '../src/state/errno.ts';

export type SyscallEvent =
  | { type: 'MMAP'; lenZero: boolean; unaligned: boolean; noSpace: boolean }
  | { type: 'MUNMAP'; unaligned: boolean; lenZero: boolean }
  | { type: 'MPROTECT'; unaligned: boolean; lenZero: boolean }
  | { type: 'MADVISE'; unaligned: boolean; lenZero: boolean }
  | {
      type: 'MREMAP';
      /** flags outside MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP */
      badFlags: boolean;
      fixedWithoutMaymove: boolean;
      /** MREMAP_DONTUNMAP without MAYMOVE or with old_len != new_len */
      dontunmapBad: boolean;
      unaligned: boolean;
      newLenZero: boolean;
    }
  | { type: 'FORK'; noSlot: boolean }
  | { type: 'EXIT' }
  /** __mmap_region with VMAs in the way (MAP_FIXED) */
  | { type: 'MMAP_REPLACE' }
  /** mremap with a new address (MREMAP_FIXED or MREMAP_DONTUNMAP) */
  | { type: 'MREMAP_ORDER' };

export type SyscallFact =
  | { type: 'syscall_error'; ret: number }
  | { type: 'proceed' }
  | { type: 'noop'; ret: number }
  /** the replaced VMAs' vm_area_free (tracked: kref_put) runs before / after the new mapping's remap_pfn_range */
  | { type: 'free_replaced'; when: 'before_remap' | 'after_remap' }
  /**
   * alignFirst: an unaligned new address is EINVAL before the lookup; checksFirst: an overlap
   * too, and the VMA checks before anything is unmapped; moveMulti: remap_move over every VMA
   */
  | { type: 'mremap_order'; alignFirst: boolean; checksFirst: boolean; moveMulti: boolean };

export const syscallMachine = setup({
  types: {
    context: {} as { exited: boolean; design: Design },
    input: {} as { design: Design },
    events: {} as SyscallEvent,
    emitted: {} as SyscallFact,
  },
  guards: {
    /** legacy: untrack_pfn runs in unmap_vmas, before the file's mmap hook; v6.19: /dev/mem's mmap_prepare action runs after __mmap_complete */
    replacedFreedFirst: ({ context }) => context.design.kind === 'legacy' || eraOf(context.design).devmemMmapPrepare,
  },
}).createMachine({
  id: 'address_space',
  context: ({ input }) => ({ exited: false, design: input.design }),
  initial: 'alive',
  states: {
    alive: {
      on: {
        // do_mmap: len 0 → EINVAL; MAP_FIXED address unaligned → EINVAL; get_unmapped_area → ENOMEM
        MMAP: [
          { guard: ({ event }) => event.lenZero, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.unaligned, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.noSpace, actions: emit({ type: 'syscall_error', ret: -ENOMEM }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        // do_vmi_munmap: offset_in_page(start) or len 0 after PAGE_ALIGN → EINVAL
        MUNMAP: [
          { guard: ({ event }) => event.unaligned || event.lenZero, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        // do_mprotect_pkey: start unaligned → EINVAL; len 0 → 0 with nothing done
        MPROTECT: [
          { guard: ({ event }) => event.unaligned, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.lenZero, actions: emit({ type: 'noop', ret: 0 }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        // do_madvise: start unaligned → EINVAL; len 0 → 0
        MADVISE: [
          { guard: ({ event }) => event.unaligned, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.lenZero, actions: emit({ type: 'noop', ret: 0 }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        // mremap: flag checks, then alignment, then new_len (check_mremap_params order)
        MREMAP: [
          { guard: ({ event }) => event.badFlags, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.fixedWithoutMaymove, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.dontunmapBad, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.unaligned, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { guard: ({ event }) => event.newLenZero, actions: emit({ type: 'syscall_error', ret: -EINVAL }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        // copy_process: no room for another address space in the universe → EAGAIN
        FORK: [
          { guard: ({ event }) => event.noSlot, actions: emit({ type: 'syscall_error', ret: -EAGAIN }) },
          { actions: emit({ type: 'proceed' }) },
        ],
        EXIT: { target: 'exited', actions: [assign({ exited: true }), emit({ type: 'proceed' })] },
        MMAP_REPLACE: [
          { guard: 'replacedFreedFirst', actions: emit({ type: 'free_replaced', when: 'before_remap' }) },
          { actions: emit({ type: 'free_replaced', when: 'after_remap' }) },
        ],
        MREMAP_ORDER: {
          actions: emit(({ context }) => ({
            type: 'mremap_order' as const,
            alignFirst: eraOf(context.design).mremapAlignFirst,
            checksFirst: eraOf(context.design).mremapChecksFirst,
            moveMulti: eraOf(context.design).mremapMoveMulti,
          })),
        },
      },
    },
    exited: { type: 'final' },
  },
});

const B = [false, true];
export const SYSCALL_ALPHABET: readonly SyscallEvent[] = [
  ...B.flatMap((lenZero) => B.flatMap((unaligned) => B.map((noSpace) => ({ type: 'MMAP' as const, lenZero, unaligned, noSpace })))),
  ...B.flatMap((unaligned) => B.map((lenZero) => ({ type: 'MUNMAP' as const, unaligned, lenZero }))),
  ...B.flatMap((unaligned) => B.map((lenZero) => ({ type: 'MPROTECT' as const, unaligned, lenZero }))),
  ...B.flatMap((unaligned) => B.map((lenZero) => ({ type: 'MADVISE' as const, unaligned, lenZero }))),
  ...B.flatMap((badFlags) =>
    B.flatMap((fixedWithoutMaymove) =>
      B.flatMap((dontunmapBad) =>
        B.flatMap((unaligned) => B.map((newLenZero) => ({ type: 'MREMAP' as const, badFlags, fixedWithoutMaymove, dontunmapBad, unaligned, newLenZero }))),
      ),
    ),
  ),
  ...B.map((noSlot) => ({ type: 'FORK' as const, noSlot })),
  { type: 'EXIT' as const },
  { type: 'MMAP_REPLACE' as const },
  { type: 'MREMAP_ORDER' as const },
];

const b = (x: boolean): number => (x ? 1 : 0);
export const syscallIndex = {
  mmap: (lenZero: boolean, unaligned: boolean, noSpace: boolean): number => b(lenZero) * 4 + b(unaligned) * 2 + b(noSpace),
  munmap: (unaligned: boolean, lenZero: boolean): number => 8 + b(unaligned) * 2 + b(lenZero),
  mprotect: (unaligned: boolean, lenZero: boolean): number => 12 + b(unaligned) * 2 + b(lenZero),
  madvise: (unaligned: boolean, lenZero: boolean): number => 16 + b(unaligned) * 2 + b(lenZero),
  mremap: (badFlags: boolean, fixedWithoutMaymove: boolean, dontunmapBad: boolean, unaligned: boolean, newLenZero: boolean): number =>
    20 + b(badFlags) * 16 + b(fixedWithoutMaymove) * 8 + b(dontunmapBad) * 4 + b(unaligned) * 2 + b(newLenZero),
  fork: (noSlot: boolean): number => 52 + b(noSlot),
  exit: (): number => 54,
  mmapReplace: (): number => 55,
  mremapOrder: (): number => 56,
};
