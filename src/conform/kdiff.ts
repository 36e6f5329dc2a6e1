/**
 * Two recorded runs of the same program on two kernels, compared step by step in what the
 * kernels did (not against the model): the result and errno, the PAT log lines of the slice,
 * the memtype entries, the VMAs (VM_PFNMAP, and VM_PAT where a kernel shows it), and what was
 * left after the last step. The first step where the kernels answer differently is where two
 * eras part; docs/real-kernel.md lists every one found this way.
 */
import { SLICE_SIZE } from '../repro/plan.ts';
import { memtypeText, outcomeText, patEventText, vmaText } from '../repro/predict.ts';
import { klogEvents } from './klog.ts';
import type { RecordedRun } from './recorded.ts';

export interface KernelDifference {
  readonly program: string;
  /** 1-based step; steps + 1 for the end record */
  readonly step: number;
  readonly call: string;
  readonly aspect: 'commands' | 'result' | 'kernel log' | 'memtype tree' | 'VMAs';
  readonly a: readonly string[];
  readonly b: readonly string[];
}

const logOf = (run: RecordedRun, lines: readonly string[]): string[] => {
  const ev = klogEvents(lines, run.X, SLICE_SIZE).map((e) => e.event);
  // without debugpat on both sides reserve and free lines cannot be compared
  return ev.map(patEventText);
};

/** The first step where the two runs differ, or null when the kernels answered alike. */
export const kernelDiff = (a: RecordedRun, b: RecordedRun): KernelDifference | null => {
  const program = a.program;
  const at = (step: number, call: string, aspect: KernelDifference['aspect'], x: string[], y: string[]): KernelDifference | null =>
    x.join('\n') === y.join('\n') ? null : { program, step, call, aspect, a: x, b: y };
  const ca = a.steps.map((s) => JSON.stringify(s.cmd));
  const cb = b.steps.map((s) => JSON.stringify(s.cmd));
  if (ca.join('\n') !== cb.join('\n')) return { program, step: 0, call: 'the commands', aspect: 'commands', a: [`${ca.length} commands`], b: [`${cb.length} commands (not the same program: re-record one side)`] };
  const debugpat = a.debugpat && b.debugpat;
  const log = (run: RecordedRun, lines: readonly string[]) => logOf(run, lines).filter((l) => debugpat || !(l.startsWith('reserve [') || l.startsWith('free [')));
  const noLines = (l: string[]) => (l.length ? l : ['(no PAT lines)']);
  for (let i = 0; i < a.steps.length; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    const d =
      at(x.step, x.call, 'result', [outcomeText(x)], [outcomeText(y)]) ??
      at(x.step, x.call, 'kernel log', noLines(log(a, x.klog)), noLines(log(b, y.klog))) ??
      (x.memtype && y.memtype ? at(x.step, x.call, 'memtype tree', [memtypeText(x.memtype)], [memtypeText(y.memtype)]) : null) ??
      at(x.step, x.call, 'VMAs', [vmaText(x.vmas)], [vmaText(y.vmas)]);
    if (d) return d;
  }
  const end = a.steps.length + 1;
  return (
    at(end, 'end', 'kernel log', noLines(log(a, a.end.klog)), noLines(log(b, b.end.klog))) ??
    (a.end.memtype && b.end.memtype ? at(end, 'end', 'memtype tree', [memtypeText(a.end.memtype)], [memtypeText(b.end.memtype)]) : null)
  );
};
