/**
 * `pfnmap conform RECORDED.ndjson [--design D]`: replay a recorded kernel run's commands
 * through the model and compare step by step. Exit 0 conforms, 1 divergence, 2 bad input
 * (one line naming the file, line and field).
 */
import { conform, divergenceText, type ConformResult } from '../conform/compare.ts';
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

export const cmdConform = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { design: 'string', json: 'bool', quiet: 'bool', html: 'string' }, 'conform');
  if (positional.length < 1) throw new UsageError('conform: expected RECORDED.ndjson (a run of a `pfnmap repro` program)');
  const override = flags.design === undefined ? undefined : resolveDesign(flags.design as string);
  const many = positional.length > 1;
  if (many && flags.html) throw new UsageError('conform: --html needs a single RECORDED.ndjson');
  let worst: number = EXIT.ok;
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
        worst = Math.max(worst, EXIT.usage);
        continue;
      }
      throw e;
    }
    // parseRecorded checked the recorded design's name (field model.design)
    const design = override ?? resolveDesign(rec.design);
    const r: ConformResult = conform(rec, design);
    const known = r.divergence ? KNOWN_DIVERGENCES.find((k) => k.program === rec.program && k.design === design.name) : undefined;
    if (r.divergence) worst = Math.max(worst, EXIT.violation);
    if (flags.html) {
      const model = parseLog(encodeLog(design, rec.universe, runModel(rec.universe, design, rec.steps.map((s) => s.cmd)).events));
      writePage(io, flags.html as string, conformPage(rec, model, r.divergence, r.divergence ? divergenceText(r.divergence) : [], `pfnmap conform ${file} --design ${design.name}`));
    }
    if (flags.json) {
      json.push({ file, program: rec.program, kernel: rec.kernel, design: r.design, steps: r.steps, result: r.divergence ? 'divergence' : 'conforms', divergence: r.divergence, known: known?.id, notes: r.notes });
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
