/**
 * `pfnmap diff --designs A,B INPUT`: the same command sequence through two designs, step by
 * step: where syscall results, the memtype tree or the invariants differ. INPUT is a scenario
 * name, an event log (its commands are taken from the syscall / kernel_call events), or a JSON
 * file holding an array of commands.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Command } from '../events/commands.ts';
import { commandText, eventText } from '../events/format.ts';
import { encodeLog, LogError, parseLog } from '../events/logFormat.ts';
import { replay } from '../replay/replay.ts';
import { runCommands } from '../scenarios/run.ts';
import { corpusNamed } from '../repro/corpus.ts';
import { SCENARIO_UNIVERSE, scenarioNamed } from '../scenarios/selftest.ts';
import { treeCount } from '../state/access.ts';
import { entryText } from '../state/describe.ts';
import type { Design } from '../state/design.ts';
import { errnoName } from '../state/errno.ts';
import { hex } from '../state/geometry.ts';
import { layoutOf } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { parseArgs, UsageError } from './args.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
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

export const diffDesigns = (u: Universe, designs: readonly [Design, Design], commands: readonly Command[]): DiffStep[] => {
  const L = layoutOf(u);
  const sides = designs.map((d) => {
    const run = runCommands(u, d, commands);
    if (run.error) throw new UsageError(`step ${run.error.step + 1} cannot run on ${d.name}: ${run.error.message}`);
    const rep = replay(parseLog(encodeLog(d, u, run.events)));
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
  return commands.map((c, i) => {
    const a = sides[0][i];
    const b = sides[1][i];
    const differs = a.ret !== b.ret || a.memtype.join() !== b.memtype.join() || a.printk.join() !== b.printk.join() || a.broken.join() !== b.broken.join();
    return { command: commandText(c), sides: [a, b], differs };
  });
};

const readCommands = (input: string, io: Io): { commands: Command[]; universe?: Universe } => {
  const sc = scenarioNamed(input);
  if (sc) return { commands: [...sc.commands], universe: SCENARIO_UNIVERSE };
  const c = corpusNamed(input);
  if (c) return { commands: [...c.commands], universe: c.universe };
  const text = io.readFile(input);
  if (input.endsWith('.ndjson')) {
    try {
      const log = parseLog(text);
      const commands = log.events.flatMap((e) => (e.type === 'syscall' || e.type === 'kernel_call' ? [e.cmd] : []));
      return { commands, universe: log.universe };
    } catch (e) {
      if (e instanceof LogError) throw new UsageError(`${input}:${e.message}`);
      throw e;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${input}: bad JSON: ${(e as Error).message}`);
  }
  const r = t.array(Command).decode(json);
  if (!isRight(r)) {
    const i = (r.left[0]?.context.find((c) => /^\d+$/.test(c.key))?.key ?? '?') as string;
    throw new UsageError(`${input}: command ${i}: not a command (see src/events/commands.ts)`);
  }
  return { commands: r.right };
};

export const cmdDiff = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { designs: 'string', config: 'string', json: 'bool', all: 'bool' }, 'diff');
  if (positional.length !== 1) throw new UsageError('diff: expected one INPUT (a scenario name, LOG.ndjson or COMMANDS.json)');
  const names = String(flags.designs ?? 'legacy@v6.15,tracked').split(',');
  if (names.length !== 2) throw new UsageError('diff: --designs takes two designs, e.g. legacy@v6.15,tracked');
  const designs = [resolveDesign(names[0]), resolveDesign(names[1])] as const;
  const input = readCommands(positional[0], io);
  const u = flags.config ? resolveConfig(flags.config as string, io) : (input.universe ?? SCENARIO_UNIVERSE);
  const steps = diffDesigns(u, designs, input.commands);
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
  return n ? EXIT.violation : EXIT.ok;
};
