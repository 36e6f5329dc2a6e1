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
  /**
   * Which pages decide what the command does, when two commands of the same kind and
   * arguments but different ranges can do the very same thing in a state (0: never merged).
   * SAME_MAPPED (munmap, MADV_DONTFORK; no injected fault): the mapped pages of the range. Holes
   * at either end of the range change nothing: a range edge in a hole splits nothing, and the
   * walk skips holes (do_vmi_munmap, madvise_walk_vmas), so the range trimmed to its first and
   * last mapped page does the same. SAME_WALKED (mprotect; no injected fault): the run of
   * mapped pages from the range's start that do_mprotect_pkey walks before the first hole, where
   * it stops with -ENOMEM and keeps what it changed, less the pages whose VMA has the
   * protection asked for already (mprotect_fixup returns at once for newflags == oldflags:
   * no split, no change), unless it asks for PROT_WRITE (a VM_SHARED VMA on the walk is
   * -EACCES, whatever its flags). `sameKey` names the rest of the command (kind, address
   * space, advice or protection).
   */
  readonly sameEffect: number;
  readonly sameKey: string;
}

export const SAME_MAPPED = 1;
export const SAME_WALKED = 2;

/** Why NoopFilter.skip counts an action without running it (0: it must run). */
export const SKIP_REFUSED_ADVICE = 1;
export const SKIP_NOTHING_MAPPED = 2;
export const SKIP_ALL_DONTCOPY = 3;
export const SKIP_NO_GAP = 4;
export const SKIP_NO_FREE_SLOT = 5;
export const SKIP_SAME_PROT = 6;
export const SKIP_PFNMAP_NO_GROW = 7;
export const SKIP_DONTUNMAP_NOT_FIXED = 8;

/** NoopFilter.signature: the words of one address space. */
const SIG_ALIVE = 0;
const SIG_MAPPED = 1;
const SIG_DONTCOPY = 2;
const SIG_READ = 3;
const SIG_WRITE = 4;
const SIG_PFNMAP = 5;
const SIG_WORDS = 6;

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
  private freeSlot = false;
  /**
   * What `skip` and `sameAs` read from the loaded state, six words an address space (SIG_
   * offsets: alive, and the page bitmasks of the pages inside a VMA and of those whose VMA has
   * VM_DONTCOPY, VM_READ, VM_WRITE, VM_PFNMAP): two states with equal signatures get the same
   * answers.
   */
  readonly signature: Int32Array;

  constructor(private readonly L: Layout) {
    this.signature = new Int32Array(SIG_WORDS * L.P);
  }

  load(s: Bytes): void {
    const L = this.L;
    const g = this.signature;
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
      const alive = s[procOff(L, p)];
      if (alive === 0) this.freeSlot = true;
      const o = SIG_WORDS * p;
      g[o + SIG_ALIVE] = alive;
      g[o + SIG_MAPPED] = m;
      g[o + SIG_DONTCOPY] = d;
      g[o + SIG_READ] = r;
      g[o + SIG_WRITE] = w;
      g[o + SIG_PFNMAP] = x;
    }
  }

  /** Signature word `field` (SIG_) of address space p. */
  private sig(p: number, field: number): number {
    return this.signature[SIG_WORDS * p + field];
  }

  /** The address space of action a is alive in the loaded state (kernel-side actions: always). */
  runnable(a: Action): boolean {
    return a.slot < 0 || this.sig(a.slot, SIG_ALIVE) === 1;
  }

  /** 0 if action a must run in the loaded state, else the SKIP_ reason it changes nothing. */
  skip(a: Action): number {
    if (a.slot < 0) return 0;
    if (a.alwaysNoop !== 0) return a.alwaysNoop;
    const mapped = this.sig(a.slot, SIG_MAPPED);
    if (a.needsMapped !== 0 && (mapped & a.needsMapped) === 0) return SKIP_NOTHING_MAPPED;
    if (a.needsCopyable !== 0 && (mapped & ~this.sig(a.slot, SIG_DONTCOPY) & a.needsCopyable) === 0) return SKIP_ALL_DONTCOPY;
    if ((this.sig(a.slot, SIG_PFNMAP) & a.growsFrom) !== 0) return SKIP_PFNMAP_NO_GROW;
    if (a.protStart >= 0) {
      // do_mprotect_pkey: a hole at the start is -ENOMEM before anything; otherwise the walk
      // covers the mapped run from the start within the range (it stops at the first hole)
      const walked = this.walked(a);
      if (walked === 0) return SKIP_NOTHING_MAPPED;
      if (this.toChange(a, walked) === 0) return SKIP_SAME_PROT;
    }
    if (a.needsGap !== 0) {
      const free = ~mapped & ((1 << this.L.V) - 1);
      let g = free;
      for (let k = 1; k < a.needsGap; k++) g &= free >> k;
      if (g === 0) return SKIP_NO_GAP;
    }
    return a.needsFreeSlot && !this.freeSlot ? SKIP_NO_FREE_SLOT : 0;
  }

  /** mprotect: the pages its walk reaches (the mapped run from its first page, within its range), 0 with a hole at the start. */
  private walked(a: Action): number {
    const x = (this.sig(a.slot, SIG_MAPPED) & a.needsMapped) >>> a.protStart;
    return (x & ~(x + 1)) << a.protStart;
  }

  /** mprotect: the walked pages whose VMA does not have the VM_READ / VM_WRITE bits it asks for (the pages it changes). */
  private toChange(a: Action, walked: number): number {
    const r = this.sig(a.slot, SIG_READ);
    const w = this.sig(a.slot, SIG_WRITE);
    const same = (a.protBits & VF_READ ? r : ~r) & (a.protBits & VF_WRITE ? w : ~w);
    return walked & ~same;
  }

  /**
   * For an action that must run (skip 0): a key equal to another action's in the loaded state
   * when the two do exactly the same (Action.sameEffect), null when it has no such twin.
   */
  sameAs(a: Action): string | null {
    if (a.sameEffect === SAME_MAPPED) return `${a.sameKey}:${this.sig(a.slot, SIG_MAPPED) & a.needsMapped}`;
    if (a.sameEffect !== SAME_WALKED) return null;
    // PROT_WRITE: every walked VMA counts (a VM_SHARED one is -EACCES even with the bits it
    // asks for); otherwise only those it changes (mprotect_fixup returns at once on the rest)
    const walked = this.walked(a);
    return `${a.sameKey}:${a.protBits & VF_WRITE ? walked : this.toChange(a, walked)}`;
  }
}

/**
 * What the search does with a state's actions: the ones to run, and the ones it counts as
 * generated without running them, because NoopFilter proves they change nothing or because
 * an earlier action of the state does exactly what they do (NoopFilter.sameAs: its successor
 * is that action's, already met). Both depend only on NoopFilter's signature of the state.
 */
export interface ActionPlan {
  /** the action indices to run, ascending */
  readonly run: Int32Array;
  /** the action indices counted without running, ascending */
  readonly counted: Int32Array;
  /** `counted` summed by command key (actionKeysOf): [key, count] pairs */
  readonly countedByKey: Int32Array;
}

const PLAN_SLOTS = 1 << 12;

/**
 * ActionPlans for the states of a search, cached by signature (a direct-mapped cache of 4096
 * plans: a state costs a hash and a compare of the signature, not a NoopFilter test per
 * action). test/checker/actions.test.ts runs every counted action and checks that it changes
 * nothing or lands where its twin does.
 */
export class ActionPlanner {
  readonly noop: NoopFilter;
  private readonly sigLen: number;
  private readonly sigs: Int32Array;
  private readonly plans: (ActionPlan | null)[];

  constructor(
    L: Layout,
    private readonly actions: readonly Action[],
    private readonly actionKey: Int32Array,
  ) {
    this.noop = new NoopFilter(L);
    this.sigLen = this.noop.signature.length;
    this.sigs = new Int32Array(PLAN_SLOTS * this.sigLen);
    this.plans = new Array<ActionPlan | null>(PLAN_SLOTS).fill(null);
  }

  /** The plan for state s. */
  plan(s: Bytes): ActionPlan {
    const noop = this.noop;
    noop.load(s);
    const g = noop.signature;
    const n = this.sigLen;
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ g[i], 0x01000193);
    const e = (h ^ (h >>> 13)) & (PLAN_SLOTS - 1);
    const cached = this.plans[e];
    const base = e * n;
    if (cached !== null) {
      let i = 0;
      while (i < n && this.sigs[base + i] === g[i]) i++;
      if (i === n) return cached;
    }
    const made = this.make();
    this.sigs.set(g, base);
    this.plans[e] = made;
    return made;
  }

  private make(): ActionPlan {
    const noop = this.noop;
    const run: number[] = [];
    const counted: number[] = [];
    const byKey = new Map<number, number>();
    const twins = new Set<string>();
    for (const a of this.actions) {
      if (!noop.runnable(a)) continue;
      let count = noop.skip(a) !== 0;
      if (!count) {
        const twin = noop.sameAs(a);
        if (twin !== null) {
          count = twins.has(twin);
          twins.add(twin);
        }
      }
      if (!count) {
        run.push(a.index);
        continue;
      }
      counted.push(a.index);
      const k = this.actionKey[a.index];
      byKey.set(k, (byKey.get(k) ?? 0) + 1);
    }
    return { run: Int32Array.from(run), counted: Int32Array.from(counted), countedByKey: Int32Array.from([...byKey].flat()) };
  }
}

/** The checker's name for a command in its coverage counts: the kind, and the injected fault. */
export const commandKey = (c: Command): string => c.kind + ('fault' in c && c.fault ? `(${c.fault})` : '');

/** The coverage keys of a search's actions (first-seen order) and each action's key index. */
export const actionKeysOf = (actions: readonly Action[]): { readonly keys: readonly string[]; readonly actionKey: Int32Array } => {
  const keys = [...new Set(actions.map((a) => commandKey(a.cmd)))];
  return { keys, actionKey: Int32Array.from(actions, (a) => keys.indexOf(commandKey(a.cmd))) };
};

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

/** See Action.sameEffect. Only page-aligned calls with a length (past their argument checks). */
const sameEffectOf = (u: Universe, c: Command, slot: number): { sameEffect: number; sameKey: string } => {
  const none = { sameEffect: 0, sameKey: '' };
  if (c.kind !== 'munmap' && c.kind !== 'mprotect' && c.kind !== 'madvise') return none;
  if (c.fault !== undefined || !pageAligned(c.addr) || c.len <= 0) return none;
  if (c.kind === 'munmap') return { sameEffect: SAME_MAPPED, sameKey: `${slot}:munmap` };
  if (c.kind === 'mprotect') return protStartOf(u, c.addr, c.len) < 0 ? none : { sameEffect: SAME_WALKED, sameKey: `${slot}:mprotect:${c.prot}` };
  return c.advice === 'MADV_DONTFORK' ? { sameEffect: SAME_MAPPED, sameKey: `${slot}:madvise:${c.advice}` } : none;
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
    ...sameEffectOf(u, cmd, slots[index]),
  }));
};
