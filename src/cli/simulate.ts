/** `pfnmap simulate`: seeded random walks. */
import { INVARIANTS } from '../../invariants/index.ts';
import { counterexampleText } from '../checker/report.ts';
import { simulate } from '../checker/simulate.ts';
import { encodeLog } from '../events/logFormat.ts';
import { noPositional, parseArgs, UsageError } from './args.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { resolveConfig, resolveDesign, resolveInvariants } from './resolve.ts';

export const cmdSimulate = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(
    argv,
    { design: 'string', config: 'string', walks: 'int', steps: 'int', seed: 'int', out: 'string', json: 'bool', invariants: 'string' },
    'simulate',
  );
  noPositional(positional, 'simulate');
  const design = resolveDesign(flags.design as string | undefined);
  const universe = resolveConfig(flags.config as string | undefined, io);
  const invariants = resolveInvariants(flags.invariants as string | undefined, design);
  // a walk checks safety invariants only: a list of quality ones would check nothing
  if (invariants && !invariants.some((n) => INVARIANTS.find((i) => i.name === n)!.kind === 'safety'))
    throw new UsageError('simulate: --invariants names no safety invariant (a walk checks safety invariants only)');
  // no walk, or walks of no step, would check nothing and say OK
  if (flags.walks === 0 || flags.steps === 0) throw new UsageError(`simulate: --${flags.walks === 0 ? 'walks' : 'steps'} expects at least 1`);
  const out = flags.out as string | undefined;
  if (out !== undefined) io.checkOutput(out);
  const seed = (flags.seed as number | undefined) ?? Date.now() % 2 ** 31;
  const r = simulate({
    universe,
    design,
    walks: (flags.walks as number | undefined) ?? 1000,
    steps: (flags.steps as number | undefined) ?? 30,
    seed,
    invariants,
  });
  if (flags.json) io.out(JSON.stringify(r, null, 1));
  else {
    io.out(`pfnmap simulate: design ${design.name}, config ${universe.name}, seed ${seed}: ${r.walks} walks, ${r.steps} steps`);
    if (r.violation) {
      io.out(`VIOLATION of ${r.violation.invariant} in walk ${r.violation.walk + 1}: ${r.violation.message}`);
      for (const l of counterexampleText(r.violation)) io.out(l);
    } else io.out('OK: no safety invariant broken after any step');
  }
  // after the report: a log that cannot be written (a full disk) loses the file, not the verdict
  if (r.violation && out !== undefined) {
    io.writeFile(out, encodeLog(design, universe, r.violation.events));
    if (!flags.json) io.out(`event log written to ${out}`);
  }
  return r.violation ? EXIT.violation : EXIT.ok;
};
