/**
 * The checker's actions: every command the universe allows, in a fixed, deterministic order
 * (per address space slot, then kernel-side operations). The list does not depend on the
 * state; a command whose address space is not alive is skipped at run time.
 */
import type { Advice, Command } from '../events/commands.ts';
import type { Bytes } from '../state/access.ts';
import { VF_DONTCOPY, VF_IN_VMA, VF_PFNMAP, VF_READ, VF_WRITE, pageOff, protFlags, procOff, type Layout } from '../state/layout.ts';
import type { CacheModeName } from '../state/cacheMode.ts';
import type { Design } from '../state/design.ts';
import { addrOf, pfnOf, pidOf, vpageOf } from '../state/geometry.ts';
import { PAGE_SIZE, pageAligned, type Universe } from '../state/universe.ts';

export interface Action {
  readonly index: number;
  readonly cmd: Command;
  /** address space slot the command runs in, -1 for kernel-side operations */
  readonly slot: number;
  /**
   * Pages (a bitmask) of which at least one must be inside a VMA for the command to change
   * anything; 0 when the command does not need one (mmap, fork, exit, kernel commands). With
   * none of them mapped, munmap returns 0, mprotect and madvise ENOMEM, mremap EFAULT (the
   * vma_lookup of its address), zap_vma_ptes nothing, a fault SIGSEGV: all without a change,
   * so the checker counts the command and skips running it.
   */
  readonly needsMapped: number;
  /**
   * mmap without MAP_FIXED: the pages it needs (0 otherwise). With no run of that many free
   * pages, get_unmapped_area fails and mmap returns ENOMEM before it touches anything.
   */
  readonly needsGap: number;
  /** fork: with no free address-space slot it returns EAGAIN before it touches anything. */
  readonly needsFreeSlot: boolean;
  /**
   * MADV_DONTFORK: pages (a bitmask) of which at least one must be inside a VMA without
   * VM_DONTCOPY for the command to change anything (it sets the flag, splitting at the range's
   * edges; a VMA that has it already is left alone). 0 for every other command.
   */
  readonly needsCopyable: number;
  /**
   * Never changes the state, in any state: the SKIP_ reason (0 for commands that may). madvise
   * with an advice the model refuses on every VMA it can hold (the selftest's list,
   * MADV_DOFORK, MADV_DODUMP: EINVAL, or ENOMEM with no VMA): SKIP_REFUSED_ADVICE; mremap with
   * MREMAP_DONTUNMAP but not MREMAP_FIXED: SKIP_DONTUNMAP_NOT_FIXED (dontunmapWithoutFixed).
   */
  readonly alwaysNoop: number;
  /**
   * mprotect: the first page of its range (-1 for every other command) and the VM_READ /
   * VM_WRITE bits it asks for (VF_READ, VF_WRITE). do_mprotect_pkey changes nothing when the
   * range starts in a hole (ENOMEM before the walk) or when every VMA its walk reaches (the
   * pages from the first one up to the range's end or the first hole) has those bits already
   * (mprotect_fixup returns at once for newflags == oldflags: no split, no flag change).
   */
  readonly protStart: number;
  readonly protBits: number;
  /**
   * mremap that grows without MREMAP_FIXED (nor MREMAP_DONTUNMAP): the page of its old
   * address (a bitmask; 0 for every other command). When that page is in a VM_PFNMAP VMA,
   * vma_to_resize refuses the growth (EFAULT: VM_DONTEXPAND | VM_PFNMAP) before anything moves.
   */
  readonly growsFrom: number;
}

/** Why NoopFilter.skip counts an action without running it (0: it must run). */
export const SKIP_REFUSED_ADVICE = 1;
export const SKIP_NOTHING_MAPPED = 2;
export const SKIP_ALL_DONTCOPY = 3;
export const SKIP_NO_GAP = 4;
export const SKIP_NO_FREE_SLOT = 5;
export const SKIP_SAME_PROT = 6;
export const SKIP_PFNMAP_NO_GROW = 7;
export const SKIP_DONTUNMAP_NOT_FIXED = 8;

/**
 * Which actions provably change nothing in a state: the checker counts them as generated and
 * does not run them (docs/model.md §7.13). `load` reads what that takes from a state once (per
 * address space, as page bitmasks: the pages inside VMAs and those whose VMA has VM_DONTCOPY,
 * VM_READ, VM_WRITE, VM_PFNMAP; whether some address-space slot is free); `skip` then answers
 * for each of the state's actions.
 * test/checker/actions.test.ts runs the executor on every action this skips, in states of
 * every design, and checks that nothing changed.
 */
export class NoopFilter {
  private readonly mapped: Int32Array;
  private readonly dontcopy: Int32Array;
  /** per address space: the pages whose VMA has VM_READ, VM_WRITE */
  private readonly read: Int32Array;
  private readonly write: Int32Array;
  /** per address space: the pages whose VMA has VM_PFNMAP */
  private readonly pfnmap: Int32Array;
  private freeSlot = false;

  constructor(private readonly L: Layout) {
    this.mapped = new Int32Array(L.P);
    this.dontcopy = new Int32Array(L.P);
    this.read = new Int32Array(L.P);
    this.write = new Int32Array(L.P);
    this.pfnmap = new Int32Array(L.P);
  }

  load(s: Bytes): void {
    const L = this.L;
    this.freeSlot = false;
    for (let p = 0; p < L.P; p++) {
      let m = 0;
      let d = 0;
      let r = 0;
      let w = 0;
      let x = 0;
      for (let v = 0; v < L.V; v++) {
        const f = s[pageOff(L, p, v)];
        if (f & VF_IN_VMA) m |= 1 << v;
        if (f & VF_DONTCOPY) d |= 1 << v;
        if (f & VF_READ) r |= 1 << v;
        if (f & VF_WRITE) w |= 1 << v;
        if (f & VF_PFNMAP) x |= 1 << v;
      }
      this.mapped[p] = m;
      this.dontcopy[p] = d;
      this.read[p] = r;
      this.write[p] = w;
      this.pfnmap[p] = x;
      if (s[procOff(L, p)] === 0) this.freeSlot = true;
    }
  }

  /** 0 if action a must run in the loaded state, else the SKIP_ reason it changes nothing. */
  skip(a: Action): number {
    if (a.slot < 0) return 0;
    if (a.alwaysNoop !== 0) return a.alwaysNoop;
    const mapped = this.mapped[a.slot];
    if (a.needsMapped !== 0 && (mapped & a.needsMapped) === 0) return SKIP_NOTHING_MAPPED;
    if (a.needsCopyable !== 0 && (mapped & ~this.dontcopy[a.slot] & a.needsCopyable) === 0) return SKIP_ALL_DONTCOPY;
    if ((this.pfnmap[a.slot] & a.growsFrom) !== 0) return SKIP_PFNMAP_NO_GROW;
    if (a.protStart >= 0) {
      // do_mprotect_pkey: a hole at the start is -ENOMEM before anything; otherwise the walk
      // covers the mapped run from the start within the range (it stops at the first hole)
      const x = (mapped & a.needsMapped) >>> a.protStart;
      if ((x & 1) === 0) return SKIP_NOTHING_MAPPED;
      const walked = (x & ~(x + 1)) << a.protStart;
      const read = a.protBits & VF_READ ? walked : 0;
      const write = a.protBits & VF_WRITE ? walked : 0;
      if ((this.read[a.slot] & walked) === read && (this.write[a.slot] & walked) === write) return SKIP_SAME_PROT;
    }
    if (a.needsGap !== 0) {
      const free = ~mapped & ((1 << this.L.V) - 1);
      let g = free;
      for (let k = 1; k < a.needsGap; k++) g &= free >> k;
      if (g === 0) return SKIP_NO_GAP;
    }
    return a.needsFreeSlot && !this.freeSlot ? SKIP_NO_FREE_SLOT : 0;
  }
}

const rangeMask = (u: Universe, addr: number, len: number): number => {
  const a = addr / PAGE_SIZE - u.vaBasePage;
  const n = Math.ceil(len / PAGE_SIZE);
  let m = 0;
  for (let v = Math.max(0, a); v < Math.min(u.vpages, a + n); v++) m |= 1 << v;
  return m;
};

/** See Action.needsMapped. */
export const needsMappedOf = (u: Universe, c: Command): number => {
  switch (c.kind) {
    case 'munmap':
    case 'mprotect':
    case 'madvise':
    case 'zap_vma_ptes':
      return pageAligned(c.addr) && c.len > 0 ? rangeMask(u, c.addr, c.len) : 0;
    case 'mremap':
      return pageAligned(c.oldAddr) ? rangeMask(u, c.oldAddr, PAGE_SIZE) : 0;
    case 'write_fault':
    case 'vmf_insert_pfn':
      return rangeMask(u, c.addr - (c.addr % PAGE_SIZE), PAGE_SIZE);
    default:
      return 0;
  }
};

/**
 * mremap with MREMAP_DONTUNMAP but not MREMAP_FIXED never changes anything here: the old
 * address in a hole is EFAULT, vma_to_resize refuses DONTUNMAP on a VM_PFNMAP VMA (EINVAL),
 * and every VMA the model holds is VM_PFNMAP (the executor returns EINVAL past that check).
 */
const dontunmapWithoutFixed = (flags: readonly string[]): boolean => flags.includes('MREMAP_DONTUNMAP') && !flags.includes('MREMAP_FIXED');

/** See Action.protStart: the range's first page, when the call gets past its argument checks and starts inside the universe. */
const protStartOf = (u: Universe, addr: number, len: number): number => {
  const a = vpageOf(u, addr);
  return len > 0 && a >= 0 && a < u.vpages ? a : -1;
};

export const SELFTEST_DISALLOWED_ADVICES: readonly Advice[] = [
  'MADV_DONTNEED',
  'MADV_DONTNEED_LOCKED',
  'MADV_FREE',
  'MADV_WIPEONFORK',
  'MADV_COLD',
  'MADV_PAGEOUT',
  'MADV_POPULATE_READ',
  'MADV_POPULATE_WRITE',
];

export const enumerateActions = (u: Universe, design: Design): Action[] => {
  const out: Command[] = [];
  const slots: number[] = [];
  const c = u.commands;
  const F = u.faults;
  const V = u.vpages;
  const N = u.pfns;
  const add = (cmd: Command, slot: number) => {
    out.push(cmd);
    slots.push(slot);
  };
  const ranges: [number, number][] = [];
  for (let a = 0; a < V; a++) for (let n = 1; a + n <= V; n++) ranges.push([a, n]);
  const frames: [number, number][] = [];
  for (let i = 0; i < N; i++) for (let n = 1; n <= u.maxMapPages && i + n <= N; n++) frames.push([i, n]);
  const kframes: [number, number][] = [];
  for (let i = 0; i < N; i++) for (let n = 1; n <= u.kernelMapPages && i + n <= N; n++) kframes.push([i, n]);

  for (let p = 0; p < u.procs; p++) {
    const pid = pidOf(p);
    const A = (v: number) => addrOf(u, v);
    if (c.mmapDevmem) {
      for (const [i, n] of frames)
        for (const cacheMode of u.devmemModes)
          for (const shared of c.mmapPrivate && n <= u.privateMapPages ? [true, false] : [true]) {
            const base = { kind: 'mmap' as const, pid, len: n * PAGE_SIZE, pfn: pfnOf(u, i), cacheMode, shared };
            add(base, p);
            if (c.mapFixed) for (let v = 0; v + n <= V; v++) add({ ...base, fixedAddr: A(v) }, p);
            if (shared && cacheMode === u.devmemModes[0]) {
              if (F.remapFill) {
                add({ ...base, fault: 'remap_fill_first' }, p);
                if (n >= 2) add({ ...base, fault: 'remap_fill_later' }, p);
              }
              if (F.ctxAlloc && design.kind !== 'legacy') add({ ...base, fault: 'ctx_alloc' }, p);
            }
          }
    }
    const driverModes = u.driverModes as readonly CacheModeName[];
    if (c.mmapDriver || c.remapTwice)
      for (const [i, n] of frames)
        for (const cacheMode of driverModes) {
          const base = { kind: 'mmap' as const, pid, len: n * PAGE_SIZE, pfn: pfnOf(u, i), cacheMode, shared: true };
          if (c.mmapDriver) add({ ...base, driver: 'whole' }, p);
          if (c.remapTwice) add({ ...base, driver: 'twice' }, p);
        }
    if (c.mmapDriverPartial)
      for (const [i, n] of frames)
        for (let k = 1; k < n; k++)
          for (const cacheMode of driverModes)
            add({ kind: 'mmap', pid, len: n * PAGE_SIZE, pfn: pfnOf(u, i), cacheMode, shared: true, driver: 'partial', remapLen: k * PAGE_SIZE }, p);
    if (c.munmap)
      for (const [a, n] of ranges) {
        add({ kind: 'munmap', pid, addr: A(a), len: n * PAGE_SIZE }, p);
        if (F.split && a > 0 && a + n < V) add({ kind: 'munmap', pid, addr: A(a), len: n * PAGE_SIZE, fault: 'split' }, p);
      }
    if (c.mprotect)
      for (const [a, n] of ranges)
        for (const prot of u.mprotectProts.filter((x) => c.mmapPrivate || x !== 'PROT_READ|PROT_WRITE')) {
          add({ kind: 'mprotect', pid, addr: A(a), len: n * PAGE_SIZE, prot }, p);
        }
    if (c.madvise) for (const [a, n] of ranges) add({ kind: 'madvise', pid, addr: A(a), len: n * PAGE_SIZE, advice: 'MADV_DONTFORK' }, p);
    if (c.madviseInvalid) {
      for (const advice of [...SELFTEST_DISALLOWED_ADVICES, 'MADV_DOFORK' as const, 'MADV_DODUMP' as const])
        add({ kind: 'madvise', pid, addr: A(0), len: V * PAGE_SIZE, advice }, p);
    }
    if (c.mremapShrink)
      for (const [a, n] of ranges) for (let m = 1; m < n; m++) add({ kind: 'mremap', pid, oldAddr: A(a), oldLen: n * PAGE_SIZE, newLen: m * PAGE_SIZE, flags: [] }, p);
    if (c.mremapMove)
      for (const [a, n] of ranges)
        for (let m = 1; m <= n; m++)
          for (let t = 0; t + m <= V; t++)
            if (t + m <= a || a + n <= t)
              add({ kind: 'mremap', pid, oldAddr: A(a), oldLen: n * PAGE_SIZE, newLen: m * PAGE_SIZE, flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], newAddr: A(t) }, p);
    if (c.mremapInvalid)
      for (let a = 0; a < V; a++) {
        add({ kind: 'mremap', pid, oldAddr: A(a), oldLen: PAGE_SIZE, newLen: 2 * PAGE_SIZE, flags: ['MREMAP_MAYMOVE'] }, p);
        add({ kind: 'mremap', pid, oldAddr: A(a), oldLen: PAGE_SIZE, newLen: PAGE_SIZE, flags: ['MREMAP_MAYMOVE', 'MREMAP_DONTUNMAP'], newAddr: A((a + 1) % V) }, p);
      }
    if (c.fork && u.procs > 1) {
      add({ kind: 'fork', pid }, p);
      for (let i = 0; i < V; i++) {
        if (F.forkCopy) add({ kind: 'fork', pid, fault: 'copy_page_range', faultVma: i }, p);
        if (F.trackPfnCopy && design.kind === 'legacy') add({ kind: 'fork', pid, fault: 'track_pfn_copy', faultVma: i }, p);
      }
    }
    if (c.exit) add({ kind: 'exit', pid }, p);
    if (c.writeFault) for (let v = 0; v < V; v++) add({ kind: 'write_fault', pid, addr: A(v) }, p);
    if (c.vmfInsertPfn) for (let v = 0; v < V; v++) add({ kind: 'vmf_insert_pfn', pid, addr: A(v) }, p);
    // a driver's zap_vma_ptes of part of a VM_PFNMAP VMA (a kernel zap, like unmap_mapping_range)
    if (c.zap) for (const [a, n] of ranges) add({ kind: 'zap_vma_ptes', pid, addr: A(a), len: n * PAGE_SIZE }, p);
  }
  if (c.zap) for (const [i, n] of kframes) add({ kind: 'unmap_mapping_range', pfn: pfnOf(u, i), nrPages: n }, -1);
  if (c.memremap) {
    for (const [i, n] of kframes) add({ kind: 'memremap_pages', pfn: pfnOf(u, i), nrPages: n }, -1);
    for (let k = 1; k <= u.kernelSlots; k++) add({ kind: 'memunmap_pages', handle: k }, -1);
  }
  if (c.ioremap) {
    for (const [i, n] of kframes) for (const cacheMode of u.driverModes) add({ kind: 'ioremap', pfn: pfnOf(u, i), nrPages: n, cacheMode }, -1);
    for (let k = 1; k <= u.kernelSlots; k++) add({ kind: 'iounmap', handle: k }, -1);
  }
  return out.map((cmd, index) => ({
    index,
    cmd,
    slot: slots[index],
    needsMapped: needsMappedOf(u, cmd),
    needsGap: cmd.kind === 'mmap' && cmd.fixedAddr === undefined ? Math.ceil(cmd.len / PAGE_SIZE) : 0,
    needsFreeSlot: cmd.kind === 'fork',
    needsCopyable: cmd.kind === 'madvise' && cmd.advice === 'MADV_DONTFORK' ? needsMappedOf(u, cmd) : 0,
    alwaysNoop:
      cmd.kind === 'madvise' && cmd.advice !== 'MADV_DONTFORK'
        ? SKIP_REFUSED_ADVICE
        : cmd.kind === 'mremap' && dontunmapWithoutFixed(cmd.flags)
          ? SKIP_DONTUNMAP_NOT_FIXED
          : 0,
    protStart: cmd.kind === 'mprotect' ? protStartOf(u, cmd.addr, cmd.len) : -1,
    protBits: cmd.kind === 'mprotect' ? protFlags(cmd.prot) : 0,
    growsFrom:
      cmd.kind === 'mremap' && cmd.newLen > cmd.oldLen && !cmd.flags.includes('MREMAP_FIXED') && !cmd.flags.includes('MREMAP_DONTUNMAP') ? needsMappedOf(u, cmd) : 0,
  }));
};
