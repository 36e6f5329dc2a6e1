/**
 * Conformance: replay a recorded kernel run's commands through the model (runCommands) and
 * compare, step by step, what the kernel did with what the model predicts: the result and
 * errno, the PAT kernel log (reserve, free, invalid free, type mismatch, WARN), the memtype
 * entries of the physical slice (start, end, type, multiplicity) and every /dev/mem VMA with
 * its VM_PFNMAP and VM_PAT flags. The first difference is the answer.
 */
import type { Command } from '../events/commands.ts';
import { commandText } from '../events/format.ts';
import type { Design } from '../state/design.ts';
import type { Event } from '../events/codecs.ts';
import { boundFlags, freeProc, type Bytes } from '../state/access.ts';
import { ENOMEM } from '../state/errno.ts';
import { BOUND_TREE, layoutOf } from '../state/layout.ts';
import { initialState } from '../reducer/reduce.ts';
import { runModel, SLICE_SIZE, topDown } from '../repro/plan.ts';
import { LIMITS, PAGE_SIZE, type Universe } from '../state/universe.ts';
import {
  DEBUGPAT_KINDS,
  memtypeRows,
  memtypeSig,
  memtypeText,
  outcomeText,
  patEventText,
  patEventsOf,
  renderOutcome,
  vmaRows,
  vmaSig,
  vmaText,
  vaOff,
  wRel,
  xRel,
  type MemtypeRow,
  type PatEvent,
  type VmaRow,
} from '../repro/predict.ts';
import { klogEvents } from './klog.ts';
import type { RecordedRun } from './recorded.ts';

export type Aspect = 'placement' | 'result' | 'kernel log' | 'memtype tree' | 'VMAs' | 'model bound';

export interface Divergence {
  /** 1-based step; steps + 1 for the end record */
  readonly step: number;
  readonly line: number;
  readonly pid?: number;
  readonly call: string;
  readonly command?: string;
  readonly aspect: Aspect;
  readonly kernel: readonly string[];
  readonly model: readonly string[];
  readonly note?: string;
}

export interface ConformResult {
  readonly design: string;
  readonly steps: number;
  readonly divergence?: Divergence;
  /** things worth knowing that are not divergences */
  readonly notes: readonly string[];
}

const eventKey = (e: PatEvent): string => patEventText(e);

/** A recorded command the model cannot express (outside its universe); the CLI's exit 2. */
export class InexpressibleError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The universe a recorded run is judged in: the run's config with the small-universe bounds a
 * real kernel does not have raised as far as the model goes: REFCOUNT_MAX past the number of
 * VMAs that can share one ctx (procs x vpages), the tree to its largest size, and room for
 * every process the run forks. The address window (vpages) and the device frames stay: the
 * recorded addresses are the run's own (mmap(NULL) was placed by the model in that window).
 */
export const judgingUniverse = (u: Universe, commands: readonly Command[]): Universe => {
  const forks = commands.filter((c) => c.kind === 'fork').length;
  return {
    ...u,
    procs: Math.max(u.procs, Math.min(LIMITS.procs, 1 + forks)),
    refcountMax: Math.max(u.refcountMax, Math.min(LIMITS.refcountMax, LIMITS.procs * u.vpages + 1)),
    treeMax: Math.max(u.treeMax, LIMITS.treeMax),
  };
};

/** Relative text for a model address or pfn in a message: W+0x..., X+0x... (frames), else as is. */
const relativize = (u: Universe, text: string): string =>
  text.replace(/\b\d{4,}\b/g, (d) => {
    const n = Number(d);
    const va = vaOff(u, n);
    if (Math.abs(va) < 1 << 30) return wRel(va);
    const frame = n - u.physBasePfn;
    if (frame > -(1 << 20) && frame < 1 << 20) return `frame ${xRel(frame * PAGE_SIZE)}`;
    return d;
  });

/** Which small-universe bound of the model, if any, the step ran into. */
const boundHit = (u: Universe, cmd: Command, ret: number, before: Bytes, after: Bytes, events: readonly Event[]): string | null => {
  if (boundFlags(after) & BOUND_TREE && !(boundFlags(before) & BOUND_TREE)) return `the memtype tree is full (treeMax ${u.treeMax})`;
  if (cmd.kind === 'fork' && ret < 0 && freeProc(layoutOf(u), before) < 0) return `no free address space for the child (procs ${u.procs})`;
  if (events.some((e) => e.type === 'vm_area_dup' && e.ret === -ENOMEM && !('fault' in cmd && cmd.fault)))
    return `a pfnmap_track_ctx reached REFCOUNT_MAX ${u.refcountMax}`;
  return null;
};

export const conform = (rec: RecordedRun, design: Design): ConformResult => {
  const commands: Command[] = rec.steps.map((s) => s.cmd);
  const u = judgingUniverse(rec.universe, commands);
  const L = layoutOf(u);
  const notes: string[] = [];
  if (!rec.debugpat) notes.push('the kernel ran without debugpat: reserve and free lines are not compared (invalid frees, mismatches, failures and WARNs are)');
  const keep = (e: PatEvent) => rec.debugpat || !DEBUGPAT_KINDS.has(e.kind);
  const run = runModel(u, design, commands);
  const done = (divergence?: Divergence): ConformResult => ({ design: design.name, steps: rec.steps.length, divergence, notes });

  const compareLog = (kernelLines: readonly string[], modelEvents: readonly PatEvent[]): { kernel: string[]; model: string[] } | null => {
    const k = klogEvents(kernelLines, rec.X, SLICE_SIZE).map((e) => e.event).filter(keep);
    const m = modelEvents.filter(keep);
    const ks = k.map(eventKey);
    const ms = m.map(eventKey);
    if (ks.length === ms.length && ks.every((x, i) => x === ms[i])) return null;
    return { kernel: ks.length ? ks : ['(no PAT lines)'], model: ms.length ? ms : ['(no PAT lines)'] };
  };
  const kernelMemtype = (rows: RecordedRun['steps'][number]['memtype']): MemtypeRow[] | null => (rows === null ? null : rows.map((r) => ({ ...r })));

  for (let i = 0; i < rec.steps.length; i++) {
    const r = rec.steps[i];
    const base = { step: r.step, line: r.line, pid: r.pid, call: r.call, command: commandText(r.cmd) };
    // a command the model cannot run, the steps before it agreeing with the kernel
    if (run.error && run.error.step === i)
      throw new InexpressibleError(
        r.line,
        `step ${r.step}: ${r.call}: the model cannot express this command (${relativize(u, run.error.message)}; its universe: ${u.vpages} pages from W+0x0, ${u.pfns} device frames from X+0x0, ${u.procs} processes)`,
      );
    const st = run.steps[i];
    const end = i + 1 < run.steps.length ? run.steps[i + 1].firstEvent : run.events.length;
    const before = i === 0 ? initialState(u) : run.steps[i - 1].state;
    const bound = boundHit(u, r.cmd, st.result.ret, before, st.state, run.events.slice(st.firstEvent, end));
    if (bound)
      return done({
        ...base,
        aspect: 'model bound',
        kernel: [outcomeText({ ret: r.ret, errno: r.errno })],
        model: [`model bound: ${bound}`],
        note: 'the model stopped at a bound of its small universe that the kernel does not have; this is not a kernel difference',
      });
    // 0. where the program put an mmap(NULL): the model's placement when it was generated
    if (r.cmd.kind === 'mmap' && r.cmd.fixedAddr === undefined && r.cmd.len > 0 && r.hint !== undefined) {
      const v = topDown(u, before, r.cmd.pid - 1, Math.ceil(r.cmd.len / PAGE_SIZE));
      const want = v < 0 ? 'nowhere (no free range in the universe)' : wRel(v * PAGE_SIZE);
      if (want !== r.hint)
        return done({
          ...base,
          aspect: 'placement',
          kernel: [`the program mapped it at ${r.hint} (MAP_FIXED_NOREPLACE)`],
          model: [`mmap(NULL) places it at ${want}`],
          note: 'the program was generated from a model that placed this mapping elsewhere (an earlier step went differently then): regenerate and re-record it (npm run kernel:record)',
        });
    }
    // 1. the result
    const want = renderOutcome(u, r.cmd, st.result.ret, st.result.signal);
    const got = { ret: r.ret, errno: r.errno };
    if (want.ret !== got.ret || want.errno !== got.errno) return done({ ...base, aspect: 'result', kernel: [outcomeText(got)], model: [outcomeText(want)] });
    // 2. the kernel log
    const log = compareLog(r.klog, patEventsOf(u, run.events.slice(st.firstEvent, end)));
    if (log) {
      const warnOnce = log.model.some((l) => l.startsWith('WARNING')) && !log.kernel.some((l) => l.startsWith('WARNING'));
      return done({
        ...base,
        aspect: 'kernel log',
        ...log,
        note: warnOnce ? 'the kernel prints this WARN_ON_ONCE once per boot: if an earlier program of the same boot triggered it, record this scenario in a boot of its own' : undefined,
      });
    }
    // 3. the memtype entries of the slice
    const km = kernelMemtype(r.memtype);
    const mm = memtypeRows(L, st.state);
    if (km === null) notes.push(`step ${r.step}: pat_memtype_list was unreadable; the tree was not compared`);
    else if (memtypeSig(km) !== memtypeSig(mm)) return done({ ...base, aspect: 'memtype tree', kernel: [memtypeText(km)], model: [memtypeText(mm)] });
    // 4. the VMAs
    const kv: VmaRow[] = r.vmas.map((v) => ({ pid: v.pid, start: v.start, end: v.end, pf: v.pf, ar: v.ar }));
    const mv = vmaRows(L, st.state, design);
    if (vmaSig(kv) !== vmaSig(mv)) return done({ ...base, aspect: 'VMAs', kernel: [vmaText(kv)], model: [vmaText(mv)] });
  }
  // the end record: what happened after the last step (nothing, when the model is right)
  const e = rec.end;
  const last = run.steps.length ? run.steps[run.steps.length - 1].state : initialState(u);
  const base = { step: rec.steps.length + 1, line: e.line, call: 'end' };
  const log = compareLog(e.klog, []);
  if (log) return done({ ...base, aspect: 'kernel log', ...log, note: e.killed ? `${e.killed} process(es) the model did not have were killed at the end` : undefined });
  if (e.memtype !== null) {
    const mm = memtypeRows(L, last);
    if (memtypeSig(e.memtype) !== memtypeSig(mm)) return done({ ...base, aspect: 'memtype tree', kernel: [memtypeText(e.memtype)], model: [memtypeText(mm)] });
  }
  return done();
};

/** The divergence as the CLI prints it. */
export const divergenceText = (d: Divergence): string[] => {
  const who = d.pid !== undefined ? `, pid ${d.pid}` : '';
  const out = [`DIVERGENCE at step ${d.step} (line ${d.line}${who}): ${d.call}${d.command ? `   [model: ${d.command}]` : ''}`, `  ${d.aspect}:`];
  const width = Math.max(d.kernel.length, d.model.length);
  if (width <= 1) {
    out.push(`    kernel: ${d.kernel[0] ?? ''}`);
    out.push(`    model:  ${d.model[0] ?? ''}`);
  } else {
    out.push('    kernel:');
    for (const l of d.kernel) out.push(`      ${l}`);
    out.push('    model:');
    for (const l of d.model) out.push(`      ${l}`);
  }
  if (d.note) out.push(`  note: ${d.note}`);
  return out;
};
