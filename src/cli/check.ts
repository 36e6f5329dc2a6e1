/** `pfnmap check`: the main job. */
import os from 'node:os';
import { checkAsync, type CheckResult, type Progress } from '../checker/check.ts';
import { reportText } from '../checker/report.ts';
import { encodeLog } from '../events/logFormat.ts';
import { MUTANTS, mutantNamed } from '../../models/mutants.ts';
import { cores, maxWorkers } from '../util/machine.ts';
import { quote } from '../util/quote.ts';
import { fastPathOption, noPositional, parseArgs, UsageError } from './args.ts';
import { EXIT } from './exit.ts';
import { eventsPage, writePage } from './render.ts';
import type { Io } from './main.ts';
import { resolveConfigs, resolveDesign, resolveInvariants } from './resolve.ts';
import { stoppable, type StopSignal } from './signals.ts';
import { suiteSummary } from '../checker/report.ts';
import { pinDrift, pinFor } from '../checker/configs.ts';

const SPEC = {
  design: 'string',
  config: 'string',
  depth: 'int',
  'max-states': 'int',
  'max-seconds': 'int',
  'max-memory': 'int',
  invariants: 'string',
  'no-symmetry': 'bool',
  'fast-path': 'bool',
  'no-fast-path': 'bool',
  fingerprint: 'bool',
  json: 'bool',
  out: 'string',
  quiet: 'bool',
  mutant: 'string',
  workers: 'int',
  html: 'string',
} as const;

export const exitCodeOf = (r: CheckResult): number =>
  r.verdict === 'PROVED' ? EXIT.ok : r.verdict === 'VIOLATION' ? EXIT.violation : r.verdict === 'STOPPED' ? EXIT.stopped : EXIT.bounded;

/** The worst verdict of a suite decides its exit code: violation, stopped, bounded, proved. */
const RANK: Record<CheckResult['verdict'], number> = { PROVED: 0, NO_VIOLATION_WITHIN_BOUNDS: 1, NO_VIOLATION_UP_TO_DEPTH: 1, STOPPED: 2, VIOLATION: 3 };

export const cmdCheck = async (argv: readonly string[], io: Io): Promise<number> => {
  const { positional, flags } = parseArgs(argv, SPEC, 'check');
  noPositional(positional, 'check');
  const mutant = flags.mutant === undefined ? undefined : mutantNamed(flags.mutant as string);
  if (flags.mutant !== undefined && !mutant)
    throw new UsageError(`--mutant: unknown mutant ${quote(flags.mutant)} (known: ${MUTANTS.map((m) => m.name).join(', ')})`);
  const design = resolveDesign((flags.design as string | undefined) ?? mutant?.design);
  const target = resolveConfigs(flags.config as string | undefined, io);
  const invariants = resolveInvariants(flags.invariants as string | undefined, design);
  const workers = flags.workers as number | undefined;
  if (workers === 0) throw new UsageError('check: --workers expects at least 1');
  if (workers !== undefined && workers > maxWorkers()) throw new UsageError(`check: --workers ${workers} is more than ${maxWorkers()} (this machine has ${cores()} cores)`);
  const fastPath = fastPathOption(flags, 'check', (m) => {
    throw new UsageError(m);
  });
  if (flags['max-memory'] === 0) throw new UsageError('check: --max-memory expects at least 1 (MB)');
  const out = flags.out as string | undefined;
  // before the search: a trace it finds must have somewhere to go
  if (out !== undefined) io.checkOutput(out);
  const html = flags.html as string | undefined;
  if (html !== undefined) io.checkOutput(html);
  const live = io.isTTY && !flags.quiet && !flags.json;
  // a config too large for memory stops cleanly (STOPPED, exit 4) instead of dying in an
  // allocation: without --max-memory the limit is three quarters of the machine's memory
  const memoryLimit = flags['max-memory'] !== undefined ? (flags['max-memory'] as number) * 1048576 : defaultMemoryLimit();
  /** the stop signal that ended the search (signals.ts), if one did */
  let stoppedBy: StopSignal | null = null;
  const results: CheckResult[] = [];
  /** one line per named config whose whole search drifted from its pin */
  const drifts: string[] = [];
  // only a whole search with every invariant is comparable with a pin
  const whole = flags.depth === undefined && flags['max-states'] === undefined && flags['max-seconds'] === undefined && !mutant && invariants === undefined;
  let written = false;
  await stoppable((signal) => (stoppedBy = signal), EXIT.stopped, async () => {
    for (const universe of target.members) {
      let last = 0;
      const progress = (p: Progress) => {
        if (!live || p.seconds - last < 2) return;
        last = p.seconds;
        (io.status ?? io.err)(
          `${universe.name}: ${p.distinct.toLocaleString('en-US')} states, ${Math.round(p.statesPerSecond).toLocaleString('en-US')}/s, queue ${p.queue.toLocaleString('en-US')}, depth ${p.depth}, ${p.seconds.toFixed(0)} s, ${(p.heapBytes / 1048576).toFixed(0)} MB`,
        );
      };
      const r = await checkAsync(
        {
          universe,
          design,
          depth: flags.depth as number | undefined,
          maxStates: flags['max-states'] as number | undefined,
          maxSeconds: flags['max-seconds'] as number | undefined,
          maxMemoryBytes: memoryLimit,
          invariants,
          symmetry: !flags['no-symmetry'],
          fastPath,
          exact: !flags.fingerprint,
          mutant: mutant?.name,
          // --fingerprint is for memory: one worker has the lean store (store.ts), the parallel one does not
          workers: workers ?? (flags.fingerprint ? 1 : defaultWorkers()),
        },
        progress,
        () => stoppedBy !== null,
      );
      if (live && last > 0) io.status?.('');
      results.push(r);
      const pin = whole && r.verdict !== 'STOPPED' ? pinFor(universe, design, !flags['no-symmetry']) : undefined;
      const drift = pin && pinDrift(pin, r);
      if (drift) drifts.push(`pin drift: config ${universe.name}, design ${design.name}${flags['no-symmetry'] ? ', no symmetry' : ''}: ${drift} (src/checker/configs.ts)`);
      const trace = r.violation ?? r.brokenQuality[0];
      const write = (out !== undefined || html !== undefined) && trace !== undefined && !written && (r.violation !== undefined || !results.some((x) => x.violation));
      if (!flags.json) {
        if (target.members.length > 1) io.out(`[${results.length}/${target.members.length}] ${universe.name}`);
        for (const l of reportText(r, universe)) io.out(l);
        if (r.stoppedBy === 'interrupt' && stoppedBy) io.out(`  stopped by ${stoppedBy}`);
        if (r.stoppedBy === 'memory')
          io.out(
            `  memory limit: ${Math.round(memoryLimit / 1048576)} MB (${flags['max-memory'] !== undefined ? '--max-memory' : "the default, three quarters of this machine's memory; --max-memory MB sets it"}); --fingerprint or a smaller config needs less`,
          );
      }
      // after the report: a trace that cannot be written (a full disk) loses the file, not the verdict
      if (write) {
        written = true;
        if (out !== undefined) {
          io.writeFile(out, encodeLog(design, universe, trace.events));
          if (!flags.json) io.out(`  trace written to ${out} (pfnmap replay ${out} reproduces it)`);
        }
        if (html !== undefined) {
          const what = `${r.violation ? 'VIOLATION of' : 'quality invariant'} ${trace.invariant}`;
          writePage(io, html, eventsPage(design, universe, trace.events, `pfnmap check --config ${universe.name} --design ${design.name}: ${what}`, `counterexample: ${what}`));
          if (!flags.json) io.out(`  trace page written to ${html}`);
        }
      }
      if (!flags.json && target.members.length > 1) io.out('');
      if (stoppedBy || r.verdict === 'VIOLATION') break;
    }
  });
  if (html !== undefined && !written && !flags.json) io.out(`no counterexample to draw: ${html} was not written`);
  const worst = results.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
  if (target.members.length === 1) {
    if (flags.json) io.out(JSON.stringify(results[0], null, 1));
  } else {
    const summary = suiteSummary(target.name, target.members, results);
    if (flags.json) io.out(JSON.stringify({ suite: target.name, verdict: worst.verdict, ...summary, results }, null, 1));
    else for (const l of summary.lines) io.out(l);
  }
  for (const d of drifts) io.err(d);
  const code = exitCodeOf(worst);
  // a drift outranks a proof or a bounded result, not a violation or a stop
  return drifts.length > 0 && (code === EXIT.ok || code === EXIT.bounded) ? EXIT.pinDrift : code;
};

/**
 * Worker threads when --workers is not given: two where the machine has two cores or more
 * (the parallel search gives the sequential search's result, shortest traces included, and
 * about 1.9 times its speed on two cores: docs/performance.md), else one.
 */
export const defaultWorkers = (): number => Math.min(2, cores());

/** Three quarters of the memory this process may use: physical memory, or a cgroup limit below it. */
export const defaultMemoryLimit = (): number => {
  const total = os.totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return Math.floor(0.75 * (constrained > 0 && constrained < total ? constrained : total));
};
