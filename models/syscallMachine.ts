/**
 * An address space and the argument checks of each syscall, in the kernel's order: which
 * errno a command returns before it touches anything (reference §4, mm/mmap.c, mm/vma.c,
 * mm/mprotect.c, mm/madvise.c, mm/mremap.c). The executor classifies the arguments into the
 * flags below; the machine answers `syscall_error` with the errno, or `proceed`.
 * Errors found while walking the VMAs (holes, VM_PFNMAP refusals) are decided by the executor
 * with the VMA machine, after any split already made, as the kernel does.
 */
import { assign, emit, setup } from 'xstate';
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
  | { type: 'EXIT' };

export type SyscallFact = { type: 'syscall_error'; ret: number } | { type: 'proceed' } | { type: 'noop'; ret: number };

export const syscallMachine = setup({
  types: {
    context: {} as { exited: boolean },
    events: {} as SyscallEvent,
    emitted: {} as SyscallFact,
  },
}).createMachine({
  id: 'address_space',
  context: { exited: false },
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
};
