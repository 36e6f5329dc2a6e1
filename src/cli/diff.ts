/**
 * `pfnmap diff --designs A,B INPUT`: the same command sequence through two designs, step by
 * step: where syscall results, the memtype tree or the invariants differ. INPUT is a scenario
 * name, an event log (its commands are taken from the syscall / kernel_call events), or a JSON
 * file holding an array of commands.
 */
import type { Command } from '../events/commands.ts';
import { decodeCommand } from '../events/decodeError.ts';
import { commandText, eventText } from '../events/format.ts';
import { encodeLog, parseLog, parseLogLines, type ParsedLog } from '../events/logFormat.ts';
import { replay } from '../replay/replay.ts';
import { runCommands } from '../scenarios/run.ts';
import { corpusNamed } from '../repro/corpus.ts';
import { SCENARIO_UNIVERSE, SELFTEST_SCENARIOS, scenarioNamed } from '../scenarios/selftest.ts';
import { treeCount } from '../state/access.ts';
import { entryText } from '../state/describe.ts';
import type { Design } from '../state/design.ts';
import { errnoName } from '../state/errno.ts';
import { hex } from '../state/geometry.ts';
import { layoutOf } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { printable, quote } from '../util/quote.ts';
import { parseArgs, UsageError } from './args.ts';
import { readInput, readJsonDocument } from './input.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { diffPage, writePage } from './render.ts';
import { resolveConfig, resolveDesign } from './resolve.ts';

export interface DiffSide {
  readonly ret: string;
  readonly memtype: readonly string[];
  readonly printk: readonly string[];
  /** invariants that broke at this step (first break) */
  readonly broken: readonly string[];
}

export interface DiffStep {
  readonly command: string;
  readonly sides: readonly [DiffSide, DiffSide];
  readonly differs: boolean;
}

const fmtRet = (r: number, signal?: string) => (r < 0 ? errnoName(r) : r > 0xffff ? hex(r) : String(r)) + (signal ? ` (${signal})` : '');

/** A command the universe cannot hold: its step (0-based) and why. */
export class StepError extends UsageError {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
  }
}

export const diffDesigns = (u: Universe, designs: readonly [Design, Design], commands: readonly Command[]): DiffStep[] => diffRuns(u, designs, commands).steps;

/** The step-by-step comparison and the two event logs it was made from. */
export const diffRuns = (u: Universe, designs: readonly [Design, Design], commands: readonly Command[]): { steps: DiffStep[]; logs: [ParsedLog, ParsedLog] } => {
  const L = layoutOf(u);
  const logs: ParsedLog[] = [];
  const sides = designs.map((d) => {
    const run = runCommands(u, d, commands);
    if (run.error) throw new StepError(run.error.step, `step ${run.error.step + 1} cannot run on ${d.name}: ${run.error.message}`);
    const log = parseLog(encodeLog(d, u, run.events));
    logs.push(log);
    const rep = replay(log);
    return run.steps.map((st, i): DiffSide => {
      const end = i + 1 < run.steps.length ? run.steps[i + 1].firstEvent : run.events.length;
      const memtype: string[] = [];
      for (let k = 0; k < treeCount(L, st.state); k++) memtype.push(entryText({ u, L, design: d }, st.state, k).replace(/ \(.*\)$/, ''));
      return {
        ret: fmtRet(st.result.ret, st.result.signal),
        memtype,
        printk: run.events
          .slice(st.firstEvent, end)
          .filter((e) => (e.type === 'memtype_free' && e.match === 'none') || e.type === 'warn' || (e.type === 'memtype_reserve' && e.ret !== 0))
          .map(eventText),
        broken: [...rep.violations, ...rep.quality].filter((v) => v.step === i + 1).map((v) => v.invariant),
      };
    });
  });
  const steps = commands.map((c, i): DiffStep => {
    const a = sides[0][i];
    const b = sides[1][i];
    const differs = a.ret !== b.ret || a.memtype.join() !== b.memtype.join() || a.printk.join() !== b.printk.join() || a.broken.join() !== b.broken.join();
    return { command: commandText(c), sides: [a, b], differs };
  });
  return { steps, logs: [logs[0], logs[1]] };
};

interface DiffInput {
  readonly commands: Command[];
  readonly universe?: Universe;
  /** the line of each command in the file, where the input is one */
  readonly lines?: readonly number[];
}

const readCommands = (input: string, io: Io): DiffInput => {
  const sc = scenarioNamed(input);
  if (sc) return { commands: [...sc.commands], universe: SCENARIO_UNIVERSE };
  const c = corpusNamed(input);
  if (c) return { commands: [...c.commands], universe: c.universe };
  if (input.endsWith('.ndjson')) {
    const log = readInput(io, input, parseLogLines);
    const steps = log.events.flatMap((e, i) => (e.type === 'syscall' || e.type === 'kernel_call' ? [{ cmd: e.cmd, line: log.lines[i] }] : []));
    return { commands: steps.map((x) => x.cmd), universe: log.universe, lines: steps.map((x) => x.line) };
  }
  if (!input.endsWith('.json')) throw new UsageError(`diff: ${quote(input)} is neither a scenario (${SELFTEST_SCENARIOS.map((x) => x.name).join(', ')}, or a corpus scenario: pfnmap repro --list) nor a LOG.ndjson or COMMANDS.json`);
  const doc = readJsonDocument(io, input);
  const at = (field: string, detail: string) => new UsageError(`${printable(input, 200)}:line ${doc.lineOf(field)}, field '${printable(field)}': ${detail}`);
  if (!Array.isArray(doc.value)) throw new UsageError(`${printable(input, 200)}:line 1: expected an array of commands, got ${quote(doc.value)}`);
  const commands = doc.value.map((v, i) => {
    const r = decodeCommand(v);
    if ('error' in r) throw at(r.error.path ? `${i}.${r.error.path}` : String(i), `not a command: expected ${r.error.expected}, got ${quote(r.error.value)} (see src/events/commands.ts)`);
    if ('unknown' in r) throw at(`${i}.${r.unknown.path}`, `unknown field of a command (known: ${r.unknown.known.join(', ')})`);
    return r.command;
  });
  return { commands, lines: commands.map((_, i) => doc.lineOf(String(i))) };
};

export const cmdDiff = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { designs: 'string', config: 'string', json: 'bool', all: 'bool', html: 'string' }, 'diff');
  if (positional.length !== 1) throw new UsageError('diff: expected one INPUT (a scenario name, LOG.ndjson or COMMANDS.json)');
  const names = String(flags.designs ?? 'legacy@v6.15,tracked').split(',');
  if (names.length !== 2) throw new UsageError('diff: --designs takes two designs, e.g. legacy@v6.15,tracked');
  const designs = [resolveDesign(names[0]), resolveDesign(names[1])] as const;
  const input = readCommands(positional[0], io);
  if (input.commands.length === 0) throw new UsageError(`diff: ${quote(positional[0])} holds no command: nothing to compare`);
  const u = flags.config ? resolveConfig(flags.config as string, io) : (input.universe ?? SCENARIO_UNIVERSE);
  const html = flags.html as string | undefined;
  if (html !== undefined) io.checkOutput(html);
  let run: ReturnType<typeof diffRuns>;
  try {
    run = diffRuns(u, designs, input.commands);
  } catch (e) {
    if (e instanceof StepError && input.lines) throw new UsageError(`${printable(positional[0], 200)}:line ${input.lines[e.step]}: ${e.message}`);
    throw e;
  }
  const { steps, logs } = run;
  if (html !== undefined) writePage(io, html, diffPage(logs, steps, `pfnmap diff --designs ${names.join(',')} ${positional[0]}`));
  if (flags.json) {
    io.out(JSON.stringify({ designs: names, config: u.name, steps }, null, 1));
    return steps.some((s) => s.differs) ? EXIT.violation : EXIT.ok;
  }
  const [A, B] = names;
  io.out(`pfnmap diff: ${A} vs ${B}, config ${u.name}, ${steps.length} steps`);
  steps.forEach((s, i) => {
    io.out(`${s.differs ? '≠' : '='} ${i + 1}. ${s.command}`);
    if (!s.differs && !flags.all) return;
    s.sides.forEach((side, k) => {
      const name = k === 0 ? A : B;
      io.out(`    ${name.padEnd(18)} = ${side.ret}`);
      for (const p of side.printk) io.out(`    ${''.padEnd(18)}   ${p}`);
      io.out(`    ${''.padEnd(18)}   memtype: ${side.memtype.length ? side.memtype.join('; ') : 'empty'}`);
      if (side.broken.length) io.out(`    ${''.padEnd(18)}   broken here: ${side.broken.join(', ')}`);
    });
  });
  const n = steps.filter((s) => s.differs).length;
  io.out(n ? `${n} of ${steps.length} steps differ` : 'no difference');
  if (flags.html) io.out(`diff page written to ${flags.html}`);
  return n ? EXIT.violation : EXIT.ok;
};
