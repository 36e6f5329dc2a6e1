/**
 * From a command sequence to a reproducer plan: every command checked for what user space can
 * do on /dev/mem, run through the model (runCommands) for its predicted result, memtype
 * entries, VMAs and PAT log lines, and translated into one step of the C program (which worker
 * process performs it, with which arguments, relative to the virtual window W and the
 * physical slice X). Processes still alive at the end get an explicit exit, so that every
 * teardown is a modelled step.
 */
import { KERNEL_COMMANDS, type Command } from '../events/commands.ts';
import { Kernel } from '../../models/kernel.ts';
import { runCommands, type Run } from '../scenarios/run.ts';
import { boundFlags, freeProc, inVma, isAlive, type Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import { pidOf } from '../state/geometry.ts';
import { BOUND_TREE, layoutOf } from '../state/layout.ts';
import { initialState } from '../reducer/reduce.ts';
import { PAGE_SIZE, type Universe } from '../state/universe.ts';
import {
  memtypeRows,
  patEventsOf,
  renderOutcome,
  vaOff,
  vmaRows,
  wRel,
  xRel,
  type MemtypeRow,
  type Outcome,
  type PatEvent,
  type VmaRow,
} from './predict.ts';

/** A command a reproducer cannot perform, or a trace it cannot take; the message says why. */
export class ReproError extends Error {}

/** The C program's size of one physical slice (kernel/runtime.c RT_SLICE_SIZE). */
export const SLICE_SIZE = 0x10000;
/** The C program's window for W-relative addresses (kernel/runtime.c RT_WINDOW_SIZE). */
export const WINDOW_SIZE = 16 << 20;

export type COp = 'RP_MMAP' | 'RP_MUNMAP' | 'RP_MPROTECT' | 'RP_MADVISE' | 'RP_MREMAP' | 'RP_FORK' | 'RP_EXIT' | 'RP_WRITE';

export interface PlanStep {
  /** 1-based step number (the record's "step") */
  readonly step: number;
  readonly cmd: Command;
  readonly pid: number;
  /** the worker instance that performs it */
  readonly inst: number;
  /** an exit the plan added because the process was still alive at the end */
  readonly implicit: boolean;
  readonly op: COp;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** mremap: new_off (-1: none); fork: the child's model pid (0: none) */
  readonly d: number;
  /** C expressions */
  readonly prot: string;
  readonly flags: string;
  readonly fd: 'RP_FD_WB' | 'RP_FD_UC';
  /** fork: the child's worker instance */
  readonly child: number;
  readonly call: string;
  readonly expect: Outcome;
  readonly memtype: readonly MemtypeRow[];
  readonly vmas: readonly VmaRow[];
  readonly pat: readonly PatEvent[];
}

export interface Plan {
  readonly source: string;
  readonly universe: Universe;
  readonly design: Design;
  readonly steps: readonly PlanStep[];
  /** worker instances: 1 + one per fork */
  readonly ninst: number;
  /** the commands, implicit exits included */
  readonly commands: readonly Command[];
  readonly run: Run;
}

const hx = (n: number): string => `0x${n.toString(16)}`;

const describeCmd = (c: Command): string => ('pid' in c ? `pid ${c.pid}: ${c.kind}` : `kernel: ${c.kind}`);

/** Why a command cannot be performed from user space on /dev/mem, or null. */
export const refusal = (c: Command): string | null => {
  if (KERNEL_COMMANDS.has(c.kind))
    return `'${c.kind}' is a kernel-side operation (a driver or the kernel calls it); a user-space reproducer cannot perform it`;
  if (c.kind === 'zap_vma_ptes') return "'zap_vma_ptes' is called by drivers inside the kernel; a user-space reproducer cannot perform it";
  if (c.kind === 'vmf_insert_pfn') return "'vmf_insert_pfn' needs a driver's fault handler; /dev/mem has none";
  if (c.kind === 'mmap') {
    if (c.driver) return `mmap of a driver ('${c.driver}') needs that driver; a reproducer can only map /dev/mem`;
    if (c.cacheMode !== 'WB' && c.cacheMode !== 'UC-') return `/dev/mem can only ask WB (plain open) or UC- (O_DSYNC), not ${c.cacheMode}`;
  }
  if ('fault' in c && c.fault !== undefined) return `injected fault '${c.fault}' cannot be caused from user space`;
  return null;
};

/** get_unmapped_area as the model does it (models/kernel.ts mmap): the highest free n-page gap, or -1. */
export const topDown = (u: Universe, s: Bytes, p: number, n: number): number => {
  const L = layoutOf(u);
  for (let s0 = L.V - n; s0 >= 0; s0--) {
    let free = true;
    for (let j = s0; j < s0 + n && free; j++) if (inVma(L, s, p, j)) free = false;
    if (free) return s0;
  }
  return -1;
};

const PROTS: Record<string, string> = { PROT_NONE: 'PROT_NONE', PROT_READ: 'PROT_READ', 'PROT_READ|PROT_WRITE': 'PROT_READ|PROT_WRITE' };
/** madvise advice values (include/uapi/asm-generic/mman-common.h), numeric: older headers lack some */
export const ADVICE: Record<string, number> = {
  MADV_DONTNEED: 4,
  MADV_FREE: 8,
  MADV_DONTFORK: 10,
  MADV_DOFORK: 11,
  MADV_DODUMP: 17,
  MADV_WIPEONFORK: 18,
  MADV_COLD: 20,
  MADV_PAGEOUT: 21,
  MADV_POPULATE_READ: 22,
  MADV_POPULATE_WRITE: 23,
  MADV_DONTNEED_LOCKED: 24,
};

const kernels = new Map<string, Kernel>();
/** One decider per (universe, design): compiling its tables is the expensive part of a run. */
export const kernelFor = (u: Universe, design: Design): Kernel => {
  const key = JSON.stringify([u, design]);
  let k = kernels.get(key);
  if (!k) {
    k = new Kernel(u, design);
    kernels.set(key, k);
  }
  return k;
};

/** runCommands with a cached decider. */
export const runModel = (u: Universe, design: Design, commands: readonly Command[]): Run => runCommands(u, design, commands, kernelFor(u, design));

const runOrThrow = (u: Universe, design: Design, commands: readonly Command[]): Run => {
  const run = runModel(u, design, commands);
  if (run.error) {
    const c = commands[run.error.step];
    throw new ReproError(`step ${run.error.step + 1} (${describeCmd(c)}): the model cannot run it: ${run.error.message}`);
  }
  return run;
};

/**
 * Build the plan. Throws ReproError naming the step when a command cannot be reproduced or the
 * model cannot run the sequence.
 */
export const buildPlan = (u: Universe, design: Design, commands: readonly Command[], source: string): Plan => {
  if (u.pfns * PAGE_SIZE > SLICE_SIZE) throw new ReproError(`the config has ${u.pfns} device frames; a reproducer's physical slice holds ${SLICE_SIZE / PAGE_SIZE}`);
  if (commands.length === 0) throw new ReproError('no commands to reproduce');
  commands.forEach((c, i) => {
    const why = refusal(c);
    if (why) throw new ReproError(`step ${i + 1} (${describeCmd(c)}): ${why}`);
  });
  const L = layoutOf(u);
  let run = runOrThrow(u, design, commands);
  // every process still alive exits, in pid order: its teardown is a step of its own
  const last = run.steps.length ? run.steps[run.steps.length - 1].state : initialState(u);
  const exits: Command[] = [];
  for (let p = 0; p < L.P; p++) if (isAlive(L, last, p)) exits.push({ kind: 'exit', pid: pidOf(p) });
  const all = [...commands, ...exits];
  if (exits.length) run = runOrThrow(u, design, all);

  const pidInst = new Map<number, number>([[1, 1]]);
  let ninst = 1;
  const steps: PlanStep[] = [];
  const base = u.physBasePfn;
  for (let i = 0; i < all.length; i++) {
    const cmd = all[i];
    const st = run.steps[i];
    const before = i === 0 ? initialState(u) : run.steps[i - 1].state;
    const end = i + 1 < run.steps.length ? run.steps[i + 1].firstEvent : run.events.length;
    const pid = (cmd as { pid: number }).pid;
    const inst = pidInst.get(pid);
    if (inst === undefined) throw new ReproError(`step ${i + 1} (${describeCmd(cmd)}): no process plays pid ${pid}`);
    const p = pid - 1;
    let op: COp;
    let a = 0,
      b = 0,
      c = 0,
      d = 0,
      child = 0;
    let prot = '0',
      flags = '0';
    let fd: PlanStep['fd'] = 'RP_FD_WB';
    let call: string;
    const va = (addr: number): number => {
      const off = vaOff(u, addr);
      if (off < -WINDOW_SIZE / 2 || off >= WINDOW_SIZE) throw new ReproError(`step ${i + 1} (${describeCmd(cmd)}): address ${hx(addr)} is too far from the model's virtual pages`);
      return off;
    };
    switch (cmd.kind) {
      case 'mmap': {
        op = 'RP_MMAP';
        const n = Math.ceil(cmd.len / PAGE_SIZE);
        if (cmd.fixedAddr !== undefined) a = va(cmd.fixedAddr);
        else if (n > 0) {
          const v = topDown(u, before, p, n);
          if (v < 0)
            throw new ReproError(
              `step ${i + 1} (${describeCmd(cmd)}): mmap(NULL) finds no free ${n}-page range in the model's ${u.vpages}-page universe; the kernel would place it elsewhere, so the reproducer cannot follow the model`,
            );
          a = v * PAGE_SIZE;
        }
        b = cmd.len;
        c = (cmd.pfn - base) * PAGE_SIZE;
        prot = cmd.shared ? 'PROT_READ' : 'PROT_READ|PROT_WRITE';
        flags = `${cmd.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}|${cmd.fixedAddr !== undefined ? 'MAP_FIXED' : 'MAP_FIXED_NOREPLACE'}`;
        fd = cmd.cacheMode === 'UC-' ? 'RP_FD_UC' : 'RP_FD_WB';
        call = `mmap(${wRel(a)}, ${hx(b)}, ${prot}, ${flags}, ${cmd.cacheMode === 'UC-' ? 'devmem_ro_sync' : 'devmem_ro'}, ${xRel(c)})`;
        break;
      }
      case 'munmap':
        op = 'RP_MUNMAP';
        a = va(cmd.addr);
        b = cmd.len;
        call = `munmap(${wRel(a)}, ${hx(b)})`;
        break;
      case 'mprotect':
        op = 'RP_MPROTECT';
        a = va(cmd.addr);
        b = cmd.len;
        prot = PROTS[cmd.prot];
        call = `mprotect(${wRel(a)}, ${hx(b)}, ${prot})`;
        break;
      case 'madvise':
        op = 'RP_MADVISE';
        a = va(cmd.addr);
        b = cmd.len;
        prot = `${ADVICE[cmd.advice]} /* ${cmd.advice} */`;
        call = `madvise(${wRel(a)}, ${hx(b)}, ${cmd.advice})`;
        break;
      case 'mremap':
        op = 'RP_MREMAP';
        a = va(cmd.oldAddr);
        b = cmd.oldLen;
        c = cmd.newLen;
        d = cmd.newAddr === undefined ? -1 : va(cmd.newAddr);
        flags = cmd.flags.length ? cmd.flags.join('|') : '0';
        call = `mremap(${wRel(a)}, ${hx(b)}, ${hx(c)}, ${flags}${cmd.newAddr !== undefined ? `, ${wRel(d)}` : ''})`;
        break;
      case 'fork': {
        op = 'RP_FORK';
        if (freeProc(L, before) < 0)
          throw new ReproError(
            `step ${i + 1} (${describeCmd(cmd)}): the model's universe has no free address space (procs ${u.procs}); the kernel's fork would succeed, so the reproducer cannot follow the model`,
          );
        child = ++ninst;
        const ok = st.result.ret > 0;
        d = ok ? st.result.ret : freeProc(L, before) + 1;
        if (ok) pidInst.set(st.result.ret, child);
        call = 'fork()';
        break;
      }
      case 'exit':
        op = 'RP_EXIT';
        pidInst.delete(pid);
        call = 'exit(0)';
        break;
      case 'write_fault':
        op = 'RP_WRITE';
        a = va(cmd.addr);
        call = `write(${wRel(a)})`;
        break;
      default:
        throw new ReproError(`step ${i + 1} (${describeCmd(cmd)}): cannot be reproduced from user space`);
    }
    if (boundFlags(st.state) & BOUND_TREE)
      throw new ReproError(`step ${i + 1} (${describeCmd(cmd)}): the model's memtype tree reached its bound (treeMax ${u.treeMax}); raise treeMax in the config`);
    steps.push({
      step: i + 1,
      cmd,
      pid,
      inst,
      implicit: i >= commands.length,
      op,
      a,
      b,
      c,
      d,
      prot,
      flags,
      fd,
      child,
      call,
      expect: renderOutcome(u, cmd, st.result.ret, st.result.signal),
      memtype: memtypeRows(L, st.state),
      vmas: vmaRows(L, st.state, design),
      pat: patEventsOf(u, run.events.slice(st.firstEvent, end)),
    });
  }
  return { source, universe: u, design, steps, ninst, commands: all, run };
};
