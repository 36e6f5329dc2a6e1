/** `pfnmap list`: what the tool knows. */
import { INVARIANTS } from '../../invariants/index.ts';
import { MUTANTS } from '../../models/mutants.ts';
import { NAMED_CONFIGS, SUITES } from '../checker/configs.ts';
import { ZOO } from '../checker/zoo.ts';
import { universeText } from '../checker/report.ts';
import { SELFTEST_SCENARIOS } from '../scenarios/selftest.ts';
import { DESIGN_PRESETS, FIX_IDS } from '../state/design.ts';
import { parseArgs } from './args.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';

export const cmdList = (argv: readonly string[], io: Io): number => {
  parseArgs(argv, {}, 'list');
  io.out('designs (--design):');
  for (const p of DESIGN_PRESETS) io.out(`  ${p.name.padEnd(20)} ${p.description}`);
  io.out(`  legacy@<preset>+<fix>-<fix> switches single fixes: ${FIX_IDS.join(', ')}`);
  io.out('suites (--config NAME: several universes judged together):');
  for (const [name, x] of Object.entries(SUITES)) io.out(`  ${name.padEnd(12)} ${x.members.join(' + ')}: ${x.description}`);
  io.out('configs (--config NAME, or a FILE.json):');
  for (const [name, c] of Object.entries(NAMED_CONFIGS)) io.out(`  ${name.padEnd(12)} ${universeText(c.universe)}: ${c.universe.description}`);
  io.out('bug zoo configs (--config zoo-A ... zoo-G; reference §2.9):');
  for (const z of ZOO) io.out(`  ${z.universe.name.padEnd(12)} bug ${z.bug}: ${z.title}`);
  io.out('invariants (--invariants a,b):');
  for (const i of INVARIANTS) io.out(`  ${i.name.padEnd(20)} ${i.kind}${i.designs ? ` (${i.designs.join(', ')})` : ''}: ${i.statement}`);
  io.out('mutants (pfnmap check --mutant NAME): seeded bugs the checker must catch');
  for (const m of MUTANTS) io.out(`  ${m.name.padEnd(28)} caught by ${m.targets}: ${m.description}`);
  io.out('scenarios (pfnmap scenario NAME):');
  for (const s of SELFTEST_SCENARIOS) io.out(`  ${s.name.padEnd(20)} ${s.description}`);
  return EXIT.ok;
};
