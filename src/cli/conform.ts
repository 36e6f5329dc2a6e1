/**
 * `pfnmap conform RECORDED.ndjson [--design D]`: replay a recorded kernel run's commands
 * through the model and compare step by step. Exit 0 conforms, 1 divergence, 2 bad input or a
 * command the model cannot express (one line naming the file, line and field), 3 a model bound.
 */
import { conform, divergenceText, InexpressibleError, judgingUniverse, type ConformResult } from '../conform/compare.ts';
import { KNOWN_DIVERGENCES } from '../conform/known.ts';
import { parseRecordedLines, RecordedError, type RecordedRun } from '../conform/recorded.ts';
import { FileError } from '../util/input.ts';
import { printable } from '../util/quote.ts';
import { parseArgs, UsageError } from './args.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { encodeLog, parseLog } from '../events/logFormat.ts';
import { runModel } from '../repro/plan.ts';
import { conformPage, writePage } from './render.ts';
import { resolveDesign } from './resolve.ts';

export const CONFORM_USAGE = `usage: pfnmap conform RECORDED.ndjson... [--design D] [--json] [--quiet]

Replays the model commands of a recorded kernel run (what a \`pfnmap repro\` program prints;
npm run kernel:record -- --kernel VERSION records the corpus, test/fixtures/kernel/VERSION/)
and compares every step with what that kernel did: result and errno, the PAT log lines, the
memtype entries of the slice, every VMA (VM_PAT only where the design has it).

  --design D   judge against design D instead of the one the run names (pfnmap list)
  --json       one JSON object per file
  --quiet      with several files, only the first line of each divergence

The run is judged in its own config with the bounds the kernel does not have (REFCOUNT_MAX,
the tree size, the number of processes) raised as far as the model goes.

exit codes: 0 conforms, 1 divergence (the first one is printed with both sides),
2 bad input or a command the model cannot express (one line naming file and line),
3 the model stopped at a bound of its small universe ("model bound", not a kernel difference)`;

export const cmdConform = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { design: 'string', json: 'bool', quiet: 'bool', html: 'string', help: 'bool' }, 'conform');
  if (flags.help) {
    io.out(CONFORM_USAGE);
    return EXIT.ok;
  }
  if (positional.length < 1) throw new UsageError('conform: expected RECORDED.ndjson (a run of a `pfnmap repro` program); pfnmap conform --help');
  const override = flags.design === undefined ? undefined : resolveDesign(flags.design as string);
  const many = positional.length > 1;
  if (many && flags.html) throw new UsageError('conform: --html needs a single RECORDED.ndjson');
  if (flags.html) io.checkOutput(flags.html as string);
  /** the exit code: bad input over a divergence over a model bound over conforming */
  const RANK: readonly number[] = [EXIT.ok, EXIT.bounded, EXIT.violation, EXIT.usage];
  let worst: number = EXIT.ok;
  const worse = (code: number): void => {
    if (RANK.indexOf(code) > RANK.indexOf(worst)) worst = code;
  };
  const json: unknown[] = [];
  for (const file of positional) {
    let rec: RecordedRun;
    try {
      rec = parseRecordedLines(io.readLines(file));
    } catch (e) {
      if (e instanceof RecordedError || e instanceof FileError) {
        const where = e instanceof RecordedError ? `${printable(file, 200)}:${e.message}` : e.message;
        io.err(`pfnmap: ${where}`);
        if (flags.json) json.push({ file, result: 'bad-input', ...(e instanceof RecordedError ? { line: e.line, field: e.field } : {}), message: e.message });
        worse(EXIT.usage);
        continue;
      }
      throw e;
    }
    // parseRecorded checked the recorded design's name (field model.design)
    const design = override ?? resolveDesign(rec.design);
    let r: ConformResult;
    try {
      r = conform(rec, design);
    } catch (e) {
      if (!(e instanceof InexpressibleError)) throw e;
      io.err(`pfnmap: ${printable(file, 200)}:line ${e.line}: ${e.message}`);
      if (flags.json) json.push({ file, result: 'inexpressible', line: e.line, message: e.message });
      worse(EXIT.usage);
      continue;
    }
    const known = r.divergence ? KNOWN_DIVERGENCES.find((k) => k.kernel === rec.linux && k.program === rec.program && k.design === design.name) : undefined;
    const bound = r.divergence?.aspect === 'model bound';
    if (r.divergence) worse(bound ? EXIT.bounded : EXIT.violation);
    if (flags.html) {
      const u = judgingUniverse(rec.universe, rec.steps.map((s) => s.cmd));
      const model = parseLog(encodeLog(design, u, runModel(u, design, rec.steps.map((s) => s.cmd)).events));
      writePage(io, flags.html as string, conformPage(rec, model, r.divergence, r.divergence ? divergenceText(r.divergence) : [], `pfnmap conform ${file} --design ${design.name}`));
    }
    if (flags.json) {
      json.push({ file, program: rec.program, kernel: rec.kernel, design: r.design, steps: r.steps, result: r.divergence ? (bound ? 'model bound' : 'divergence') : 'conforms', divergence: r.divergence, known: known?.id, notes: r.notes });
      continue;
    }
    const head = many ? `${file}: ` : '';
    if (!many) io.out(`pfnmap conform ${file}: kernel ${rec.kernel}, program ${rec.program}, design ${design.name}, config '${rec.universe.name}' (MTRR ${rec.universe.mtrr}), ${rec.steps.length} steps`);
    if (!r.divergence) {
      io.out(`${head}conforms (${r.steps} steps)`);
    } else {
      const lines = divergenceText(r.divergence);
      if (many) io.out(`${head}${lines[0]}`);
      for (const l of many ? lines.slice(1).map((x) => '  ' + x) : lines) if (!flags.quiet || !many) io.out(l);
      if (known) io.out(`${many ? '  ' : ''}  documented divergence ${known.id}: ${known.summary} (docs/real-kernel.md)`);
    }
    if (!many) for (const n of r.notes) io.out(`note: ${n}`);
    if (flags.html) io.out(`conform page written to ${flags.html}`);
  }
  if (flags.json) io.out(JSON.stringify(json.length === 1 && !many ? json[0] : json, null, 1));
  return worst;
};
