/**
 * The checker's actions: every command the universe allows, in a fixed, deterministic order
 * (per address space slot, then kernel-side operations). The list does not depend on the
 * state; a command whose address space is not alive is skipped at run time.
 */
import { DECIDE_RUN, DECIDE_SKIP, type Kernel } from '../../models/kernel.ts';
import { PageMasks } from '../../models/pageMasks.ts';
import { capabilitiesOf, compileTables, type Capabilities } from '../../models/tables.ts';
import type { Advice, Command } from '../events/commands.ts';
import type { Bytes } from '../state/access.ts';
import type { CacheModeName } from '../state/cacheMode.ts';
import type { Design } from '../state/design.ts';
import { addrOf, pfnOf, pidOf } from '../state/geometry.ts';
import { PAGE_SIZE, type Universe } from '../state/universe.ts';

export interface Action {
  readonly index: number;
  readonly cmd: Command;
  /** address space slot the command runs in, -1 for kernel-side operations */
  readonly slot: number;
}

/**
 * What the search does with a state's actions: the ones to run, and the ones it counts as
 * generated without running them, because the syscall machine answers them without letting
 * them change anything in that state (models/syscallMachine.ts: an argument refused, no VMA in
 * the range, nothing to change) or because an earlier action of the state is their twin
 * (Kernel.twinKey: the same munmap, MADV_DONTFORK or mprotect over the same pages), whose
 * successor is theirs and is already met; an action of an address space that is not alive is
 * neither.
 */
export interface ActionPlan {
  /** the action indices to run, ascending */
  readonly run: Int32Array;
  /** the action indices counted without running, ascending */
  readonly counted: Int32Array;
  /** `counted` summed by command key (actionKeysOf): [key, count] pairs */
  readonly countedByKey: Int32Array;
  /** per action: the syscall machine's edge decide took in the state (-1 for no check), what stepAction can start from */
  readonly edges: Int32Array;
}

/** The plan table's first size, and its largest by default (powers of two): it holds at most half as many plans as it has slots. */
const PLAN_SLOTS_FIRST = 16;
const PLAN_SLOTS_MAX = 1 << 15;

/**
 * ActionPlans for the states of a search, read off the decider's `decide` (the syscall
 * machine's table over what the state's page masks hold, models/pageMasks.ts) and cached by
 * those masks: two states with the same masks get the same answers. The cache is a table of
 * the masks, open-addressed by a fully mixed hash, that doubles as it fills, so each distinct
 * value of the masks is planned once; once it has `slotsMax` slots (a power of two) and is half
 * full, a new plan replaces the one at its hash's own slot. A state costs a hash and a compare
 * of its masks, not a machine lookup per action. The equality tests (test/support/exhaustive.ts)
 * run every counted action on every state the checker expands in the small configs and check
 * that it changes nothing or lands where its twin does.
 */
export class ActionPlanner {
  readonly masks: PageMasks;
  private readonly sigLen: number;
  private sigs: Int32Array;
  private plans: (ActionPlan | null)[];
  private planCount = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly actions: readonly Action[],
    private readonly actionKey: Int32Array,
    private readonly slotsMax = PLAN_SLOTS_MAX,
  ) {
    this.masks = new PageMasks(kernel.L);
    this.sigLen = this.masks.words.length;
    this.sigs = new Int32Array(PLAN_SLOTS_FIRST * this.sigLen);
    this.plans = new Array<ActionPlan | null>(PLAN_SLOTS_FIRST).fill(null);
  }

  /** The plan for state s. */
  plan(s: Bytes): ActionPlan {
    const masks = this.masks;
    masks.load(s);
    const g = masks.words;
    const home = this.slotOf(g);
    const last = this.plans.length - 1;
    for (let e = home; ; e = (e + 1) & last) {
      const cached = this.plans[e];
      if (cached === null) break;
      if (this.sameSig(e, g)) return cached;
    }
    const made = this.make();
    this.keep(g, made, home);
    return made;
  }

  /** The home slot of masks g: FNV-1a over the words, then a full mix. */
  private slotOf(g: Int32Array): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < g.length; i++) h = Math.imul(h ^ g[i], 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & (this.plans.length - 1);
  }

  private sameSig(e: number, g: Int32Array): boolean {
    const n = this.sigLen;
    const base = e * n;
    let i = 0;
    while (i < n && this.sigs[base + i] === g[i]) i++;
    return i === n;
  }

  /**
   * Keep the plan for masks g, not in the table (home: its slot): in the first free slot from
   * its own, the table doubled first if it would be more than half full; once it is half full
   * at slotsMax, in place of the plan at home (an empty home stays empty, so no probe runs
   * through a full table).
   */
  private keep(g: Int32Array, plan: ActionPlan, home: number): void {
    if (2 * (this.planCount + 1) <= this.plans.length) this.place(g, plan);
    else if (this.plans.length < this.slotsMax) {
      this.grow();
      this.place(g, plan);
    } else if (this.plans[home] !== null) {
      this.sigs.set(g, home * this.sigLen);
      this.plans[home] = plan;
    }
  }

  private place(g: Int32Array, plan: ActionPlan): void {
    const last = this.plans.length - 1;
    let e = this.slotOf(g);
    while (this.plans[e] !== null) e = (e + 1) & last;
    this.sigs.set(g, e * this.sigLen);
    this.plans[e] = plan;
    this.planCount++;
  }

  private grow(): void {
    const n = this.sigLen;
    const oldSigs = this.sigs;
    const oldPlans = this.plans;
    this.sigs = new Int32Array(oldSigs.length * 2);
    this.plans = new Array<ActionPlan | null>(oldPlans.length * 2).fill(null);
    this.planCount = 0;
    for (let e = 0; e < oldPlans.length; e++) {
      const plan = oldPlans[e];
      if (plan !== null) this.place(oldSigs.subarray(e * n, e * n + n), plan);
    }
  }

  private make(): ActionPlan {
    const run: number[] = [];
    const counted: number[] = [];
    const byKey = new Map<number, number>();
    const edges = new Int32Array(this.actions.length).fill(-1);
    const twins = new Set<string>();
    for (const a of this.actions) {
      const d = this.kernel.decide(a.index, this.masks);
      edges[a.index] = this.kernel.decidedEdge;
      if (d === DECIDE_SKIP) continue;
      if (d === DECIDE_RUN) {
        const twin = this.kernel.twinKey(a.index, this.masks, edges[a.index]);
        if (twin === null || !twins.has(twin)) {
          if (twin !== null) twins.add(twin);
          run.push(a.index);
          continue;
        }
      }
      counted.push(a.index);
      const k = this.actionKey[a.index];
      byKey.set(k, (byKey.get(k) ?? 0) + 1);
    }
    return { run: Int32Array.from(run), counted: Int32Array.from(counted), countedByKey: Int32Array.from([...byKey].flat()), edges };
  }
}

/** The checker's name for a command in its coverage counts: the kind, and the injected fault. */
export const commandKey = (c: Command): string => c.kind + ('fault' in c && c.fault ? `(${c.fault})` : '');

/** The coverage keys of a search's actions (first-seen order) and each action's key index. */
export const actionKeysOf = (actions: readonly Action[]): { readonly keys: readonly string[]; readonly actionKey: Int32Array } => {
  const keys = [...new Set(actions.map((a) => commandKey(a.cmd)))];
  return { keys, actionKey: Int32Array.from(actions, (a) => keys.indexOf(commandKey(a.cmd))) };
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

/**
 * Every command the universe allows, in a fixed order; a fault is injected only where the
 * design's machines make the call it hits (capabilitiesOf: ctx allocation, track_pfn_copy).
 */
export const enumerateActions = (u: Universe, design: Design, caps: Capabilities = capabilitiesOf(compileTables(u, design))): Action[] => {
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
              if (F.ctxAlloc && caps.allocatesCtx) add({ ...base, fault: 'ctx_alloc' }, p);
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
        if (F.trackPfnCopy && caps.tracksPfnCopy) add({ kind: 'fork', pid, fault: 'track_pfn_copy', faultVma: i }, p);
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
  return out.map((cmd, index) => ({ index, cmd, slot: slots[index] }));
};
