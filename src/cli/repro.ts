/**
 * `pfnmap repro TRACE|SCENARIO -o repro.c`: a self-contained C program that performs the
 * trace's syscalls on /dev/mem and checks each step against the model's prediction.
 * `pfnmap repro --corpus DIR`: the whole real-kernel corpus as DIR/<name>.c plus DIR/boots.txt
 * (which programs share a boot), for kernel/record-corpus.sh.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../events/commands.ts';
import { parseLogLines } from '../events/logFormat.ts';
import { generateC, loadCSources, programName } from '../repro/cgen.ts';
import { corpus, corpusNamed } from '../repro/corpus.ts';
import { buildPlan, ReproError, type Plan } from '../repro/plan.ts';
import { SCENARIO_UNIVERSE, SELFTEST_SCENARIOS, scenarioNamed } from '../scenarios/selftest.ts';
import type { Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { FileError } from '../util/input.ts';
import { printable, quote } from '../util/quote.ts';
import { parseArgs, UsageError } from './args.ts';
import { readInput } from './input.ts';
import { makeOutputDirectory } from './output.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { resolveDesign } from './resolve.ts';

/** The design a scenario's predictions use unless --design says otherwise: the recorded kernel's. */
export const DEFAULT_REPRO_DESIGN = 'legacy@stable-6.1';

interface Source {
  readonly name: string;
  readonly source: string;
  readonly universe: Universe;
  readonly commands: readonly Command[];
  readonly design?: string;
}

/** A scenario name (selftest or corpus) names a scenario; anything else names a file. */
const loadSource = (arg: string, io: Io): Source => {
  const st = scenarioNamed(arg);
  if (st) return { name: `selftest_${st.name}`, source: `scenario ${st.name}`, universe: SCENARIO_UNIVERSE, commands: st.commands };
  const c = corpusNamed(arg);
  if (c) return { name: c.name, source: `corpus scenario ${c.name}`, universe: c.universe, commands: c.commands };
  let log;
  try {
    log = readInput(io, arg, parseLogLines);
  } catch (e) {
    if (e instanceof FileError && e.code === 'ENOENT')
      throw new UsageError(
        `repro: ${quote(arg)} is neither a file nor a scenario (selftest: ${SELFTEST_SCENARIOS.map((s) => s.name).join(', ')}; corpus: ${corpus().length} scenarios, see --list)`,
      );
    throw e;
  }
  const commands = log.events.flatMap((e) => (e.type === 'syscall' || e.type === 'kernel_call' ? [e.cmd] : []));
  if (!commands.length) throw new UsageError(`${printable(arg, 200)}: the event log has no syscall or kernel_call events: nothing to reproduce`);
  const base = arg.split('/').pop()!.replace(/\.[^.]*$/, '');
  return { name: programName(base), source: `trace ${base} (${log.design.name}, config ${log.universe.name})`, universe: log.universe, commands, design: log.design.name };
};

const plan = (s: Source, design: Design): Plan => {
  try {
    return buildPlan(s.universe, design, s.commands, s.source);
  } catch (e) {
    if (e instanceof ReproError) throw new UsageError(`repro: ${s.source}: ${e.message}`);
    throw e;
  }
};

export const cmdRepro = (argv: readonly string[], io: Io): number => {
  // -o FILE as well as --out FILE
  const args = argv.map((a) => (a === '-o' ? '--out' : a));
  const { positional, flags } = parseArgs(args, { out: 'string', design: 'string', name: 'string', corpus: 'string', list: 'bool' }, 'repro');
  if (flags.list) {
    for (const s of SELFTEST_SCENARIOS) io.out(`${s.name.padEnd(28)} selftest: ${s.description}`);
    for (const s of corpus()) io.out(`${s.name.padEnd(28)} ${s.universe.mtrr === 'UC' ? '[MTRR UC] ' : ''}${s.description}`);
    return EXIT.ok;
  }
  if (flags.corpus !== undefined) {
    if (positional.length) throw new UsageError('repro: --corpus DIR takes no TRACE or SCENARIO');
    return writeCorpus(flags.corpus as string, flags.design as string | undefined, io);
  }
  if (positional.length !== 1) throw new UsageError('repro: expected one TRACE.ndjson (an event log) or a SCENARIO name, and -o repro.c');
  const out = flags.out as string | undefined;
  if (out !== undefined) io.checkOutput(out);
  const src = loadSource(positional[0], io);
  const design = resolveDesign((flags.design as string | undefined) ?? src.design ?? DEFAULT_REPRO_DESIGN);
  const p = plan(src, design);
  const name = programName((flags.name as string | undefined) ?? (out !== undefined ? out.split('/').pop()!.replace(/\.c$/, '') : src.name));
  const text = generateC(p, name);
  if (out === undefined) {
    io.out(text);
    return EXIT.ok;
  }
  io.writeFile(out, text);
  const u = p.universe;
  io.out(`wrote ${out}: ${p.steps.length} steps from ${p.source}, predictions of ${design.name}, config '${u.name}' (MTRR ${u.mtrr})`);
  io.out(`  build:  gcc -static -O2 -o ${name} ${out}`);
  io.out(`  run:    ./${name} [--base 0xPHYS] [--slice N] > ${name}.ndjson   (root, debugfs, PAT on, debugpat; docs/real-kernel.md)`);
  io.out(`  or:     kernel/record.sh ${out}   (Debian 6.1 under QEMU)`);
  io.out(`  check:  pfnmap conform ${name}.ndjson`);
  return EXIT.ok;
};

/** DIR/<name>.c for every corpus scenario, DIR/boots.txt: one line per boot, program names. */
const writeCorpus = (dir: string, designName: string | undefined, io: Io): number => {
  const design = resolveDesign(designName ?? DEFAULT_REPRO_DESIGN);
  makeOutputDirectory(dir);
  io.checkOutput(join(dir, 'boots.txt'));
  for (const f of readdirSync(dir)) if (f.endsWith('.c')) unlinkSync(join(dir, f));
  const src = loadCSources();
  const shared: string[] = [];
  const own: string[] = [];
  for (const s of corpus()) {
    const p = plan({ name: s.name, source: `corpus scenario ${s.name}`, universe: s.universe, commands: s.commands }, design);
    const warns = p.steps.some((st) => st.pat.some((e) => e.kind === 'warn'));
    io.writeFile(join(dir, `${s.name}.c`), generateC(p, s.name, src));
    (s.ownBoot || warns ? own : shared).push(s.name);
  }
  const boots = [shared.join(' '), ...own].filter(Boolean);
  io.writeFile(
    join(dir, 'boots.txt'),
    `# generated by \`pfnmap repro --corpus ${dir}\`: one line per QEMU boot, the programs it runs in order\n# (a program whose model predicts a WARN_ON_ONCE runs in a boot of its own)\n${boots.join('\n')}\n`,
  );
  io.out(`wrote ${corpus().length} reproducers to ${dir}/ (design ${design.name}), ${boots.length} boot(s) in ${dir}/boots.txt`);
  return EXIT.ok;
};
