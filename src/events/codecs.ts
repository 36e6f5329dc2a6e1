/**
 * Every fact the model knows, once, as an io-ts codec named after the kernel function that
 * makes it happen (MODEL.md §4). The TypeScript types are derived from the codecs. Payloads
 * carry units in their names: `addr` (virtual bytes), `pfn` (page frame number), `nrPages`,
 * `startPaddr`/`endPaddr` (physical bytes, end exclusive), `kref` (count after the change).
 */
import * as t from 'io-ts';
import { Command, ProtC } from './commands.ts';

const Pid = t.number;
export const CacheModeC = t.keyof({ WB: null, WC: null, 'UC-': null, UC: null, WT: null, WP: null });

/** Ghost owner of a tree entry: the model's bookkeeping, not the kernel's. */
export const Owner = t.union([
  t.type({ ctx: t.number }),
  t.type({ lineage: t.number }),
  t.type({ kernel: t.number }),
]);
export type Owner = t.TypeOf<typeof Owner>;

export const VmFlag = t.keyof({
  VM_IO: null,
  VM_PFNMAP: null,
  VM_DONTEXPAND: null,
  VM_DONTDUMP: null,
  VM_DONTCOPY: null,
  VM_READ: null,
  VM_WRITE: null,
  VM_PAT: null,
});
export type VmFlag = t.TypeOf<typeof VmFlag>;

const ev = <T extends string, P extends t.Props>(type: T, props: P) => t.type({ type: t.literal(type), ...props }, type);
const evo = <T extends string, P extends t.Props, O extends t.Props>(type: T, props: P, optional: O) =>
  t.intersection([t.type({ type: t.literal(type), ...props }), t.partial(optional)], type);

// --- steps ---------------------------------------------------------------------------------
/** A user-space command with its result; opens a step. `signal` for faults that kill. */
export const Syscall = evo('syscall', { pid: Pid, cmd: Command, ret: t.number }, { signal: t.keyof({ SIGBUS: null, SIGSEGV: null }) });
/** A kernel-side operation (no address space) with its result; opens a step. */
export const KernelCall = ev('kernel_call', { cmd: Command, ret: t.number });

// --- VMAs ----------------------------------------------------------------------------------
/** mmap_region: a new VMA [addr, addr + nrPages pages) before the driver's mmap hook ran. */
export const MmapRegion = ev('mmap_region', {
  pid: Pid,
  addr: t.number,
  nrPages: t.number,
  pgoff: t.number,
  shared: t.boolean,
  driver: t.boolean,
  prot: ProtC,
});
export const VmFlagsSet = evo(
  'vm_flags_set',
  { pid: Pid, addr: t.number, nrPages: t.number, flags: t.array(VmFlag) },
  { lineage: t.number },
);
export const VmFlagsClear = ev('vm_flags_clear', { pid: Pid, addr: t.number, nrPages: t.number, flags: t.array(VmFlag) });
/**
 * vm_area_dup: a copy of [addr, addr + nrPages pages) of a VMA appears at dstPid:dstAddr
 * (split: the same place, a head or tail piece of the VMA; mremap: elsewhere in the same mm;
 * fork: the child). ret < 0: the dup was refused and nothing changed.
 */
export const VmAreaDup = ev('vm_area_dup', {
  pid: Pid,
  addr: t.number,
  nrPages: t.number,
  reason: t.keyof({ split: null, mremap: null, fork: null }),
  dstPid: Pid,
  dstAddr: t.number,
  ret: t.number,
});
/** vm_area_free: the VMA [addr, addr + nrPages pages) is gone (its PTEs already zapped). */
export const VmAreaFree = ev('vm_area_free', { pid: Pid, addr: t.number, nrPages: t.number });

// --- page tables ---------------------------------------------------------------------------
export const SetPteRange = ev('set_pte_range', { pid: Pid, addr: t.number, pfn: t.number, nrPages: t.number, cacheMode: CacheModeC });
export const ZapPteRange = ev('zap_pte_range', { pid: Pid, addr: t.number, nrPages: t.number });
export const MovePageTables = ev('move_page_tables', { pid: Pid, addr: t.number, newAddr: t.number, nrPages: t.number });
export const CopyPageRange = ev('copy_page_range', { pid: Pid, addr: t.number, nrPages: t.number, dstPid: Pid, ret: t.number });
/** wp_page_copy: a write fault replaced the PTE with an anonymous COW copy. */
export const WpPageCopy = ev('wp_page_copy', { pid: Pid, addr: t.number });

// --- remap and tracking hooks (markers: the state changes are the facts they cause) ---------
export const RemapPfnRange = ev('remap_pfn_range', {
  pid: Pid,
  addr: t.number,
  pfn: t.number,
  nrPages: t.number,
  cacheMode: CacheModeC,
  whole: t.boolean,
});
export const RemapPfnRangeDone = ev('remap_pfn_range_done', { pid: Pid, addr: t.number, ret: t.number });
export const PfnmapTrack = ev('pfnmap_track', { pfn: t.number, nrPages: t.number, cacheMode: CacheModeC });
export const PfnmapUntrack = ev('pfnmap_untrack', { pfn: t.number, nrPages: t.number });
export const PfnmapSetupCachemode = ev('pfnmap_setup_cachemode', { pfn: t.number, nrPages: t.number, ret: t.number, cacheMode: CacheModeC });
export const TrackPfnRemap = ev('track_pfn_remap', { pid: Pid, addr: t.number, pfn: t.number, nrPages: t.number, ret: t.number });
export const TrackPfnCopy = ev('track_pfn_copy', { pid: Pid, addr: t.number, dstPid: Pid, ret: t.number });
export const UntrackPfn = evo('untrack_pfn', { pid: Pid, addr: t.number, nrPages: t.number }, { pfn: t.number, ret: t.number });
export const UntrackPfnCopy = ev('untrack_pfn_copy', { pid: Pid, addr: t.number, pfn: t.number, nrPages: t.number });
/** untrack_pfn_clear: VM_PAT cleared on the VMA, the tree untouched. */
export const UntrackPfnClear = ev('untrack_pfn_clear', { pid: Pid, addr: t.number, nrPages: t.number });

// --- memtype tree --------------------------------------------------------------------------
export const MemtypeReserve = evo(
  'memtype_reserve',
  {
    startPaddr: t.number,
    endPaddr: t.number,
    reqType: CacheModeC,
    newType: CacheModeC,
    strict: t.boolean,
    ret: t.number,
    owner: Owner,
  },
  { printk: t.string },
);
export const MemtypeFree = evo(
  'memtype_free',
  {
    startPaddr: t.number,
    endPaddr: t.number,
    ret: t.number,
    /** exact: entry removed; end: entry shrunk (legacy); part: cut out of its entry (precise); none: failed */
    match: t.keyof({ exact: null, end: null, part: null, none: null }),
  },
  { owner: Owner, printk: t.string },
);

// --- pfnmap_track_ctx and its kref ----------------------------------------------------------
export const PfnmapTrackCtxAlloc = ev('pfnmap_track_ctx_alloc', { ctxId: t.number, pfn: t.number, nrPages: t.number });
/** `vma->pfnmap_track_ctx = ctx` at the end of a successful whole-VMA remap_pfn_range. */
export const PfnmapTrackCtxAttach = ev('pfnmap_track_ctx_attach', { pid: Pid, addr: t.number, nrPages: t.number, ctxId: t.number });
export const KrefGet = ev('kref_get', { ctxId: t.number, kref: t.number });
export const KrefPut = ev('kref_put', { ctxId: t.number, kref: t.number });
export const PfnmapTrackCtxRelease = ev('pfnmap_track_ctx_release', { ctxId: t.number });

// --- address spaces and kernel users --------------------------------------------------------
export const CopyProcess = ev('copy_process', { pid: Pid, childPid: Pid });
export const Mmput = ev('mmput', { pid: Pid });
/** cacheMode: the type pfnmap_track gave the pagemap's pgprot (the kernel mapping of the range). */
export const MemremapPages = ev('memremap_pages', { handle: t.number, pfn: t.number, nrPages: t.number, cacheMode: CacheModeC });
export const MemunmapPages = ev('memunmap_pages', { handle: t.number });
export const Ioremap = ev('ioremap', { handle: t.number, pfn: t.number, nrPages: t.number, cacheMode: CacheModeC });
export const Iounmap = ev('iounmap', { handle: t.number });

// --- diagnostics ---------------------------------------------------------------------------
export const WarnReason = t.keyof({ get_pat_info: null, refcount_underflow: null, refcount_saturated: null, remap_pte_bug: null });
export const Warn = ev('warn', { reason: WarnReason, message: t.string });

export const Event = t.union([
  Syscall,
  KernelCall,
  MmapRegion,
  VmFlagsSet,
  VmFlagsClear,
  VmAreaDup,
  VmAreaFree,
  SetPteRange,
  ZapPteRange,
  MovePageTables,
  CopyPageRange,
  WpPageCopy,
  RemapPfnRange,
  RemapPfnRangeDone,
  PfnmapTrack,
  PfnmapUntrack,
  PfnmapSetupCachemode,
  TrackPfnRemap,
  TrackPfnCopy,
  UntrackPfn,
  UntrackPfnCopy,
  UntrackPfnClear,
  MemtypeReserve,
  MemtypeFree,
  PfnmapTrackCtxAlloc,
  PfnmapTrackCtxAttach,
  KrefGet,
  KrefPut,
  PfnmapTrackCtxRelease,
  CopyProcess,
  Mmput,
  MemremapPages,
  MemunmapPages,
  Ioremap,
  Iounmap,
  Warn,
]);
export type Event = t.TypeOf<typeof Event>;
export type EventType = Event['type'];
export type EventOf<K extends EventType> = Extract<Event, { type: K }>;

export const EVENT_TYPES: readonly EventType[] = Event.types.map((c) => {
  const tc = c as unknown as { types?: t.Mixed[]; props?: { type: t.LiteralC<string> } };
  const props = tc.props ?? (tc.types![0] as unknown as { props: { type: t.LiteralC<string> } }).props;
  return props.type.value as EventType;
});
