/**
 * Commands: what the checker chooses between (MODEL.md §3), one syscall or kernel operation
 * each, with its arguments in kernel units (byte addresses and lengths, real pfns). A command
 * is carried by the `syscall` / `kernel_call` event that opens each step of an event log.
 */
import * as t from 'io-ts';

const Pid = t.number;

/**
 * A length or a page count: a whole number from 0 up, as the kernel's size_t and unsigned long
 * arguments are (a negative one would reach the kernel as a huge length; the model has no use
 * for it, and a recording or log that carries one is refused at its field).
 */
export const Size = new t.Type<number, number, unknown>(
  'a whole number from 0 up',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);
const CacheModeC = t.keyof({ WB: null, WC: null, 'UC-': null, UC: null, WT: null, WP: null });

const Fault = t.keyof({
  /** remap_pfn_range_internal fails before filling any PTE (-ENOMEM) */
  remap_fill_first: null,
  /** remap_pfn_range_internal fails after filling the first PTE (-ENOMEM) */
  remap_fill_later: null,
  /** kmalloc of struct pfnmap_track_ctx fails */
  ctx_alloc: null,
  /** __split_vma fails (-ENOMEM) at the last split the command needs */
  split: null,
});

export const MmapCmd = t.intersection([
  t.type({
    kind: t.literal('mmap'),
    pid: Pid,
    /** length in bytes */
    len: Size,
    /** physical offset = pfn << PAGE_SHIFT (the mmap offset for /dev/mem and for the driver) */
    pfn: t.number,
    /** the cache mode the mapping asks: /dev/mem WB, or UC- when opened with O_DSYNC */
    cacheMode: CacheModeC,
    shared: t.boolean,
  }),
  t.partial({
    /** MAP_FIXED at this address */
    fixedAddr: t.number,
    /**
     * Which file: /dev/mem (default), or a driver whose mmap remaps the whole VMA ('whole'),
     * only its first `remapLen` bytes ('partial'), or the whole VMA twice ('twice').
     */
    driver: t.keyof({ whole: null, partial: null, twice: null }),
    remapLen: Size,
    fault: Fault,
  }),
]);

export const MunmapCmd = t.intersection([
  t.type({ kind: t.literal('munmap'), pid: Pid, addr: t.number, len: Size }),
  t.partial({ fault: Fault }),
]);

export const ProtC = t.keyof({ PROT_NONE: null, PROT_READ: null, 'PROT_READ|PROT_WRITE': null });
export const MprotectCmd = t.intersection([
  t.type({ kind: t.literal('mprotect'), pid: Pid, addr: t.number, len: Size, prot: ProtC }),
  t.partial({ fault: Fault }),
]);

export const AdviceC = t.keyof({
  MADV_DONTFORK: null,
  MADV_DOFORK: null,
  MADV_DONTNEED: null,
  MADV_DONTNEED_LOCKED: null,
  MADV_FREE: null,
  MADV_WIPEONFORK: null,
  MADV_COLD: null,
  MADV_PAGEOUT: null,
  MADV_POPULATE_READ: null,
  MADV_POPULATE_WRITE: null,
  MADV_DODUMP: null,
});
export const MadviseCmd = t.intersection([
  t.type({ kind: t.literal('madvise'), pid: Pid, addr: t.number, len: Size, advice: AdviceC }),
  t.partial({ fault: Fault }),
]);

export const MremapFlagC = t.keyof({ MREMAP_MAYMOVE: null, MREMAP_FIXED: null, MREMAP_DONTUNMAP: null });
export const MremapCmd = t.intersection([
  t.type({
    kind: t.literal('mremap'),
    pid: Pid,
    oldAddr: t.number,
    oldLen: Size,
    newLen: Size,
    flags: t.array(MremapFlagC),
  }),
  t.partial({ newAddr: t.number }),
]);

export const ForkCmd = t.intersection([
  t.type({ kind: t.literal('fork'), pid: Pid }),
  t.partial({
    /** inject a failure while copying the n-th (0-based) copied VMA */
    fault: t.keyof({ copy_page_range: null, track_pfn_copy: null }),
    faultVma: t.number,
  }),
]);

export const ExitCmd = t.type({ kind: t.literal('exit'), pid: Pid });
export const WriteFaultCmd = t.type({ kind: t.literal('write_fault'), pid: Pid, addr: t.number });
export const VmfInsertPfnCmd = t.type({ kind: t.literal('vmf_insert_pfn'), pid: Pid, addr: t.number });
export const ZapVmaPtesCmd = t.type({ kind: t.literal('zap_vma_ptes'), pid: Pid, addr: t.number, len: Size });

/** Kernel-side operations (no address space). */
export const UnmapMappingRangeCmd = t.type({ kind: t.literal('unmap_mapping_range'), pfn: t.number, nrPages: Size });
export const MemremapCmd = t.type({ kind: t.literal('memremap_pages'), pfn: t.number, nrPages: Size });
export const MemunmapCmd = t.type({ kind: t.literal('memunmap_pages'), handle: t.number });
export const IoremapCmd = t.type({ kind: t.literal('ioremap'), pfn: t.number, nrPages: Size, cacheMode: CacheModeC });
export const IounmapCmd = t.type({ kind: t.literal('iounmap'), handle: t.number });

export const Command = t.union([
  MmapCmd,
  MunmapCmd,
  MprotectCmd,
  MadviseCmd,
  MremapCmd,
  ForkCmd,
  ExitCmd,
  WriteFaultCmd,
  VmfInsertPfnCmd,
  ZapVmaPtesCmd,
  UnmapMappingRangeCmd,
  MemremapCmd,
  MemunmapCmd,
  IoremapCmd,
  IounmapCmd,
]);
export type Command = t.TypeOf<typeof Command>;
export type CommandKind = Command['kind'];
export type Advice = t.TypeOf<typeof AdviceC>;
export type Prot = t.TypeOf<typeof ProtC>;
export type MremapFlag = t.TypeOf<typeof MremapFlagC>;

export const COMMAND_KINDS: readonly CommandKind[] = [
  'mmap',
  'munmap',
  'mprotect',
  'madvise',
  'mremap',
  'fork',
  'exit',
  'write_fault',
  'vmf_insert_pfn',
  'zap_vma_ptes',
  'unmap_mapping_range',
  'memremap_pages',
  'memunmap_pages',
  'ioremap',
  'iounmap',
];

export const KERNEL_COMMANDS: ReadonlySet<CommandKind> = new Set([
  'unmap_mapping_range',
  'memremap_pages',
  'memunmap_pages',
  'ioremap',
  'iounmap',
]);
