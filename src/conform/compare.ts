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
import { layoutOf } from '../state/layout.ts';
import { initialState } from '../reducer/reduce.ts';
import { runModel, SLICE_SIZE, topDown } from '../repro/plan.ts';
import { PAGE_SIZE } from '../state/universe.ts';
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
  wRel,
  type MemtypeRow,
  type PatEvent,
  type VmaRow,
} from '../repro/predict.ts';
import { klogEvents } from './klog.ts';
import type { RecordedRun } from './recorded.ts';

export type Aspect = 'placement' | 'result' | 'kernel log' | 'memtype tree' | 'VMAs' | 'model';

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

export const conform = (rec: RecordedRun, design: Design): ConformResult => {
  const u = rec.universe;
  const L = layoutOf(u);
  const notes: string[] = [];
  if (!rec.debugpat) notes.push('the kernel ran without debugpat: reserve and free lines are not compared (invalid frees, mismatches, failures and WARNs are)');
  const keep = (e: PatEvent) => rec.debugpat || !DEBUGPAT_KINDS.has(e.kind);
  const commands: Command[] = rec.steps.map((s) => s.cmd);
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
    if (run.error && run.error.step === i)
      return done({ ...base, aspect: 'model', kernel: [`${r.ret}${r.errno ? ` errno ${r.errno}` : ''}`], model: [`cannot run the command: ${run.error.message}`] });
    const st = run.steps[i];
    const end = i + 1 < run.steps.length ? run.steps[i + 1].firstEvent : run.events.length;
    // 0. where the program put an mmap(NULL): the model's placement when it was generated
    if (r.cmd.kind === 'mmap' && r.cmd.fixedAddr === undefined && r.cmd.len > 0 && r.hint !== undefined) {
      const before = i === 0 ? initialState(u) : run.steps[i - 1].state;
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
    const mv = vmaRows(L, st.state);
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
