/**
 * Between the model's indices (address space slot, virtual page, device frame) and kernel
 * units (pid, virtual byte address, pfn, physical byte address) as events carry them.
 */
import { PAGE_SIZE, pageAligned, type Universe } from './universe.ts';

export type Geometry = Pick<Universe, 'vpages' | 'pfns' | 'procs' | 'physBasePfn' | 'vaBasePage'>;

export const pidOf = (slot: number): number => slot + 1;
export const slotOf = (g: Geometry, pid: number): number => (Number.isInteger(pid) && pid >= 1 && pid <= g.procs ? pid - 1 : -1);

export const addrOf = (g: Geometry, v: number): number => (g.vaBasePage + v) * PAGE_SIZE;
/** Virtual page index of a byte address, or -1 when unaligned; may lie outside [0, vpages). */
export const vpageOf = (g: Geometry, addr: number): number =>
  pageAligned(addr) ? addr / PAGE_SIZE - g.vaBasePage : -1;

export const pfnOf = (g: Geometry, i: number): number => g.physBasePfn + i;
/** Device frame index of a pfn, or -1 outside the universe's device range. */
export const frameOf = (g: Geometry, pfn: number): number => {
  const i = pfn - g.physBasePfn;
  return Number.isInteger(i) && i >= 0 && i <= g.pfns ? i : -1;
};
export const paddrOf = (g: Geometry, i: number): number => (g.physBasePfn + i) * PAGE_SIZE;
/** Device frame index of a physical byte address (a range end may equal pfns), or -1. */
export const frameOfPaddr = (g: Geometry, paddr: number): number =>
  pageAligned(paddr) ? frameOf(g, paddr / PAGE_SIZE) : -1;

export const hex = (n: number): string => '0x' + n.toString(16);
