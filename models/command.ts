/**
 * A command decoded once into the numbers the decider works with (pages, frames, mode indices,
 * flags), so that running it allocates nothing and reads no strings. The checker decodes its
 * actions once per search; a command run on its own (replay's scenarios, repro) is decoded when
 * it runs.
 */
import { COMMAND_KINDS, type Command } from '../src/events/commands.ts';
import { modeIndex } from '../src/state/cacheMode.ts';
import { frameOf, slotOf } from '../src/state/geometry.ts';
import { VF_READ, VF_WRITE, protFlags } from '../src/state/layout.ts';
import { PAGE_SIZE, pageAligned, type Universe } from '../src/state/universe.ts';

/** Command kinds, numbered as COMMAND_KINDS lists them. */
export const C_MMAP = 0;
export const C_MUNMAP = 1;
export const C_MPROTECT = 2;
export const C_MADVISE = 3;
export const C_MREMAP = 4;
export const C_FORK = 5;
export const C_EXIT = 6;
export const C_WRITE_FAULT = 7;
export const C_VMF_INSERT_PFN = 8;
export const C_ZAP_VMA_PTES = 9;
export const C_UNMAP_MAPPING_RANGE = 10;
export const C_MEMREMAP_PAGES = 11;
export const C_MEMUNMAP_PAGES = 12;
export const C_IOREMAP = 13;
export const C_IOUNMAP = 14;

/** Injected faults. */
export const FAULT_NONE = 0;
export const FAULT_REMAP_FILL_FIRST = 1;
export const FAULT_REMAP_FILL_LATER = 2;
export const FAULT_CTX_ALLOC = 3;
export const FAULT_SPLIT = 4;
export const FAULT_COPY_PAGE_RANGE = 5;
export const FAULT_TRACK_PFN_COPY = 6;
const FAULTS: Readonly<Record<string, number>> = {
  remap_fill_first: FAULT_REMAP_FILL_FIRST,
  remap_fill_later: FAULT_REMAP_FILL_LATER,
  ctx_alloc: FAULT_CTX_ALLOC,
  split: FAULT_SPLIT,
  copy_page_range: FAULT_COPY_PAGE_RANGE,
  track_pfn_copy: FAULT_TRACK_PFN_COPY,
};

/** Which file an mmap maps: /dev/mem, or a driver that remaps its VMA whole, partly, or twice. */
export const FILE_DEVMEM = 0;
export const FILE_DRIVER_WHOLE = 1;
export const FILE_DRIVER_PARTIAL = 2;
export const FILE_DRIVER_TWICE = 3;
const FILES: Readonly<Record<string, number>> = { whole: FILE_DRIVER_WHOLE, partial: FILE_DRIVER_PARTIAL, twice: FILE_DRIVER_TWICE };

const pages = (len: number): number => Math.ceil(len / PAGE_SIZE);

/** A command as numbers. Every field is set for every kind (one object shape). */
export class Decoded {
  /** C_ kind */
  kind = 0;
  /** address-space slot (-1: a kernel-side command; -2: a pid outside the universe) */
  p = -1;
  /** first page of the range (or of the old range, or the fault address's page); may lie outside the window */
  a = 0;
  /** pages of the range after PAGE_ALIGN (mremap: old_len's) */
  n = 0;
  /** the start address is not page aligned (then `a` is not a whole page) */
  unaligned = false;
  /** len (or mremap's new_len) is 0 */
  lenZero = false;
  /** the pages of [a, a + n) inside the window, as a bit mask */
  rangeMask = 0;
  fault = FAULT_NONE;
  /** fork: the copied VMA (0-based) the fault hits */
  faultVma = 0;
  // mmap
  fixed = false;
  /** device frame of pfn (may lie outside the universe: the command then cannot run) */
  frame = 0;
  /** requested cache mode */
  mode = 0;
  shared = false;
  file = FILE_DEVMEM;
  /** a partly remapping driver: the pages it remaps */
  remapPages = 0;
  // mprotect
  protBits = 0;
  // madvise: MADV_DONTFORK, else an advice a VM_PFNMAP VMA refuses
  dontfork = false;
  dofork = false;
  // mremap
  newN = 0;
  maymove = false;
  mremapFixed = false;
  dontunmap = false;
  badFlags = false;
  /** old_len == new_len (DONTUNMAP needs it) */
  sameLen = false;
  /** the new address (page), MREMAP_FIXED / DONTUNMAP */
  newA = 0;
  newUnaligned = false;
  // kernel-side commands
  handle = 0;

  constructor(
    readonly cmd: Command,
    u: Universe,
  ) {
    this.kind = COMMAND_KINDS.indexOf(cmd.kind);
    const pid = (cmd as { readonly pid?: number }).pid;
    if (pid !== undefined) this.p = slotOf(u, pid) < 0 ? -2 : slotOf(u, pid);
    const page = (addr: number): number => addr / PAGE_SIZE - u.vaBasePage;
    const setRange = (addr: number, len: number): void => {
      this.unaligned = !pageAligned(addr);
      this.a = page(addr);
      this.n = pages(len);
      this.lenZero = len === 0;
      this.rangeMask = this.unaligned ? 0 : maskOf(u, this.a, this.n);
    };
    switch (cmd.kind) {
      case 'mmap':
        this.n = pages(cmd.len);
        this.lenZero = this.n === 0;
        this.fixed = cmd.fixedAddr !== undefined;
        if (this.fixed) {
          this.unaligned = !pageAligned(cmd.fixedAddr!);
          this.a = page(cmd.fixedAddr!);
        }
        this.frame = frameOf(u, cmd.pfn);
        if (this.frame < 0) this.frame = cmd.pfn - u.physBasePfn;
        this.mode = modeIndex(cmd.cacheMode);
        this.shared = cmd.shared;
        this.file = cmd.driver ? FILES[cmd.driver] : FILE_DEVMEM;
        this.remapPages = Math.min(this.n, Math.max(1, pages(cmd.remapLen ?? PAGE_SIZE)));
        this.fault = cmd.fault ? FAULTS[cmd.fault] : FAULT_NONE;
        break;
      case 'munmap':
        setRange(cmd.addr, cmd.len);
        this.fault = cmd.fault ? FAULTS[cmd.fault] : FAULT_NONE;
        break;
      case 'mprotect':
        setRange(cmd.addr, cmd.len);
        this.protBits = protFlags(cmd.prot) & (VF_READ | VF_WRITE);
        this.fault = cmd.fault ? FAULTS[cmd.fault] : FAULT_NONE;
        break;
      case 'madvise':
        setRange(cmd.addr, cmd.len);
        this.dontfork = cmd.advice === 'MADV_DONTFORK';
        this.dofork = cmd.advice === 'MADV_DOFORK';
        this.fault = cmd.fault ? FAULTS[cmd.fault] : FAULT_NONE;
        break;
      case 'mremap':
        setRange(cmd.oldAddr, cmd.oldLen);
        this.rangeMask = this.unaligned ? 0 : maskOf(u, this.a, 1);
        this.newN = pages(cmd.newLen);
        this.lenZero = this.newN === 0;
        this.mremapFixed = cmd.flags.includes('MREMAP_FIXED');
        this.maymove = cmd.flags.includes('MREMAP_MAYMOVE');
        this.dontunmap = cmd.flags.includes('MREMAP_DONTUNMAP');
        this.badFlags = cmd.flags.some((f) => f !== 'MREMAP_FIXED' && f !== 'MREMAP_MAYMOVE' && f !== 'MREMAP_DONTUNMAP');
        this.sameLen = cmd.oldLen === cmd.newLen;
        this.newUnaligned = !pageAligned(cmd.newAddr ?? 0);
        this.newA = page(cmd.newAddr ?? 0);
        break;
      case 'fork':
        this.fault = cmd.fault ? FAULTS[cmd.fault] : FAULT_NONE;
        this.faultVma = cmd.faultVma ?? 0;
        break;
      case 'write_fault':
      case 'vmf_insert_pfn':
        this.a = Math.floor(page(cmd.addr));
        this.rangeMask = maskOf(u, this.a, 1);
        break;
      case 'zap_vma_ptes':
        setRange(cmd.addr, cmd.len);
        break;
      case 'unmap_mapping_range':
      case 'memremap_pages':
        this.frame = cmd.pfn - u.physBasePfn;
        this.n = cmd.nrPages;
        break;
      case 'ioremap':
        this.frame = cmd.pfn - u.physBasePfn;
        this.n = cmd.nrPages;
        this.mode = modeIndex(cmd.cacheMode);
        break;
      case 'memunmap_pages':
      case 'iounmap':
        this.handle = cmd.handle;
        break;
    }
  }
}

/** The pages of [a, a + n) inside the window [0, vpages), as a bit mask. */
export const maskOf = (u: Pick<Universe, 'vpages'>, a: number, n: number): number => {
  let m = 0;
  for (let v = Math.max(0, a); v < Math.min(u.vpages, a + n); v++) m |= 1 << v;
  return m;
};
