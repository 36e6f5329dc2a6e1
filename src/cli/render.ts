/**
 * `pfnmap render LOG.ndjson --html OUT.html | --svg OUT.svg`: the trace page (one
 * self-contained HTML file) or a static SVG timeline of an event log; and the --html pages
 * of check, scenario, replay, diff and conform, which all go through `writePage`.
 */
import type { Divergence } from '../conform/compare.ts';
import type { RecordedRun } from '../conform/recorded.ts';
import { encodeLog, parseLog, parseLogLines, type ParsedLog } from '../events/logFormat.ts';
import type { Event } from '../events/codecs.ts';
import { pageHtml, type PageData } from '../render/html.ts';
import { timelineSvg } from '../render/timeline.ts';
import { traceData } from '../render/trace.ts';
import { memtypeText, vmaText } from '../repro/predict.ts';
import type { Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { parseArgs, UsageError } from './args.ts';
import type { DiffStep } from './diff.ts';
import { EXIT } from './exit.ts';
import { readInput } from './input.ts';
import type { Io } from './main.ts';

/** Write a page; every --html flag ends here. */
export const writePage = (io: Io, path: string, data: PageData): void => io.writeFile(path, pageHtml(data));

/** The page of one trace. */
export const logPage = (log: ParsedLog, title: string, label: string): PageData => {
  const pane = traceData(log, label);
  return { title, subtitle: `design ${log.design.name} · config ${log.universe.name} · ${pane.events.length} events in ${pane.stepStart.length} steps`, panes: [pane] };
};

/** The page of events a command produced (check's counterexample, a scenario run). */
export const eventsPage = (design: Design, universe: Universe, events: readonly Event[], title: string, label: string): PageData =>
  logPage(parseLog(encodeLog(design, universe, events)), title, label);

/** diff: the two designs side by side, the first step where they differ marked. */
export const diffPage = (logs: readonly [ParsedLog, ParsedLog], steps: readonly DiffStep[], title: string): PageData => {
  const first = steps.findIndex((s) => s.differs);
  const sideLines = (k: 0 | 1): string[] => {
    const side = steps[first].sides[k];
    return [`= ${side.ret}`, ...side.printk, `memtype: ${side.memtype.length ? side.memtype.join('; ') : 'empty'}`, ...(side.broken.length ? [`broken here: ${side.broken.join(', ')}`] : [])];
  };
  return {
    title,
    subtitle: first < 0 ? 'no difference: every step gives the same result, printk lines, memtype tree and invariants' : `${steps.filter((s) => s.differs).length} of ${steps.length} steps differ; the first is step ${first + 1}`,
    panes: logs.map((log) => traceData(log, log.design.name)),
    divergence: first < 0 ? undefined : { step: first + 1, title: `first divergence: step ${first + 1}`, lines: [sideLines(0), sideLines(1)] },
  };
};

/** conform: the model's run of the recorded commands beside what the kernel recorded, the divergence marked. */
export const conformPage = (rec: RecordedRun, model: ParsedLog, divergence: Divergence | undefined, divergenceLines: readonly string[], title: string): PageData => {
  const steps = rec.steps.map((s) => [
    `${s.call}${s.implicit ? ' (implicit)' : ''} = ${s.ret}${s.errno ? ` errno ${s.errno}` : ''}`,
    ...s.klog.map((l) => `klog: ${l}`),
    `memtype: ${s.memtype === null ? '(unreadable)' : memtypeText(s.memtype)}`,
    `VMAs: ${vmaText(s.vmas)}`,
  ]);
  const pane = traceData(model, `model (${model.design.name})`);
  const at = divergence ? Math.min(divergence.step, rec.steps.length) : 0;
  return {
    title,
    subtitle: `kernel ${rec.kernel}, program ${rec.program}; ${divergence ? `DIVERGENCE at step ${divergence.step} (${divergence.aspect})` : `conforms (${rec.steps.length} steps)`}`,
    panes: [pane],
    record: { label: `kernel ${rec.kernel} (recorded)`, steps },
    divergence: divergence ? { step: at, title: `${divergence.step > rec.steps.length ? 'after the last step' : `step ${divergence.step}`}: the kernel and the model differ (${divergence.aspect})`, lines: [divergenceLines] } : undefined,
  };
};

export const cmdRender = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { html: 'string', svg: 'string', title: 'string' }, 'render');
  if (positional.length !== 1) throw new UsageError('render: expected one LOG.ndjson');
  if (!flags.html && !flags.svg) throw new UsageError('render: give --html OUT.html, --svg OUT.svg or both');
  const file = positional[0];
  if (flags.html) io.checkOutput(flags.html as string);
  if (flags.svg) io.checkOutput(flags.svg as string);
  // a malformed log: one line naming the file, line and field, exit 2 (main.ts)
  const log = readInput(io, file, parseLogLines);
  const title = (flags.title as string | undefined) ?? `pfnmap render ${file}`;
  if (flags.html) {
    const page = logPage(log, title, file);
    writePage(io, flags.html as string, page);
    io.out(`page written to ${flags.html}: ${page.panes[0].stepStart.length} steps, ${page.panes[0].verdict}`);
  }
  if (flags.svg) {
    io.writeFile(flags.svg as string, timelineSvg(log, title));
    io.out(`timeline written to ${flags.svg}`);
  }
  return EXIT.ok;
};
