/**
 * A universe (a "config" in MODEL.md §2): everything finite about one model-checking run.
 * Configs are data: JSON files validated by the io-ts codec in `src/state/config.ts`.
 */
import type { CacheModeName } from './cacheMode.ts';

export interface CommandSwitches {
  /** mmap of /dev/mem: remap_pfn_range over the whole VMA (shared). */
  readonly mmapDevmem: boolean;
  /** MAP_PRIVATE /dev/mem mappings (COW PFNMAP, reference §1.9). */
  readonly mmapPrivate: boolean;
  /** MAP_FIXED placements (every page-aligned start), replacing what is mapped there. */
  readonly mapFixed: boolean;
  /** A driver mmap that remaps its whole VMA with a chosen cache mode (tracked like /dev/mem). */
  readonly mmapDriver: boolean;
  /** A driver mmap that remaps only the first part of its VMA (untracked, cache mode looked up, §3.3). */
  readonly mmapDriverPartial: boolean;
  /** A driver that calls remap_pfn_range on the whole VMA twice (§2.2, §3.3: -EINVAL in tracked). */
  readonly remapTwice: boolean;
  readonly munmap: boolean;
  readonly mprotect: boolean;
  /** madvise(MADV_DONTFORK / MADV_DOFORK). */
  readonly madvise: boolean;
  /** The madvise advices the selftest asserts fail with EINVAL (§5.4). */
  readonly madviseInvalid: boolean;
  readonly mremapShrink: boolean;
  readonly mremapMove: boolean;
  /** mremap grow (EFAULT) and MREMAP_DONTUNMAP (EINVAL): must fail and change nothing. */
  readonly mremapInvalid: boolean;
  readonly fork: boolean;
  readonly exit: boolean;
  /** A write fault on a private mapping (COW of a PTE). */
  readonly writeFault: boolean;
  /** unmap_mapping_range over /dev/mem (iomem revocation): a kernel zap of a physical range. */
  readonly zap: boolean;
  /** vmf_insert_pfn into a driver PFNMAP VMA (lookup only). */
  readonly vmfInsertPfn: boolean;
  /** memremap_pages / memunmap_pages (pfnmap_track without a VMA). */
  readonly memremap: boolean;
  /** ioremap / iounmap (a kernel reservation sharing the tree). */
  readonly ioremap: boolean;
}

export interface FaultSwitches {
  /** copy_page_range fails in fork (-ENOMEM). */
  readonly forkCopy: boolean;
  /** track_pfn_copy fails in fork (legacy only). */
  readonly trackPfnCopy: boolean;
  /** remap_pfn_range_internal fails while filling PTEs (-ENOMEM), before or after the first PTE. */
  readonly remapFill: boolean;
  /** kmalloc of the pfnmap_track_ctx fails (tracked). */
  readonly ctxAlloc: boolean;
  /** __split_vma fails (-ENOMEM) at the last split a command needs. */
  readonly split: boolean;
}

export interface Universe {
  readonly name: string;
  readonly description: string;
  /** At most this many address spaces at once (fork creates, exit ends). */
  readonly procs: number;
  /** Virtual pages per address space. */
  readonly vpages: number;
  /** Device frames (non-RAM, tracked in the interval tree). */
  readonly pfns: number;
  /** Longest mapping a command may create, in pages. */
  readonly maxMapPages: number;
  /** Longest range a kernel-side command (memremap_pages, ioremap, unmap_mapping_range) names, in pages. */
  readonly kernelMapPages: number;
  /** Longest private (MAP_PRIVATE) mapping, in pages. */
  readonly privateMapPages: number;
  /** REFCOUNT_MAX stand-in: vm_area_dup refuses to share a ctx whose kref reached it (§3.4). */
  readonly refcountMax: number;
  /** Bound on memtype tree entries (legacy leaks grow the tree without end). */
  readonly treeMax: number;
  /** Live kernel reservations (memremap_pages, ioremap) at most. */
  readonly kernelSlots: number;
  /** MTRR type over the device range: a WB request over an UC MTRR range becomes UC- (§1.3 step 4). */
  readonly mtrr: 'WB' | 'UC';
  /** The protections mprotect may ask (PROT_READ|PROT_WRITE only matters with private mappings). */
  readonly mprotectProts: readonly ('PROT_NONE' | 'PROT_READ' | 'PROT_READ|PROT_WRITE')[];
  /** Cache modes /dev/mem may ask: WB, or UC- with O_DSYNC (§1.9). */
  readonly devmemModes: readonly CacheModeName[];
  /** Cache modes a driver may ask for its remap, and ioremap for its mapping. */
  readonly driverModes: readonly CacheModeName[];
  readonly commands: CommandSwitches;
  readonly faults: FaultSwitches;
  /** Display only: physical frame number of device frame 0. */
  readonly physBasePfn: number;
  /** Display only: virtual page number of virtual page 0. */
  readonly vaBasePage: number;
}

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** Is addr a whole multiple of PAGE_SIZE? (A division by a power of two is exact; addresses are
 * above 2^32, where `%` is a slow floating-point remainder.) */
export const pageAligned = (addr: number): boolean => Number.isInteger(addr / PAGE_SIZE);

/** Hard limits of the packed state encoding (src/state/layout.ts). */
export const LIMITS = {
  procs: 4,
  vpages: 12,
  pfns: 14,
  refcountMax: 250,
  treeMax: 48,
  kernelSlots: 4,
} as const;
