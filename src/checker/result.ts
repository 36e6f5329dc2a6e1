/**
 * The coverage part of a CheckResult: commands fired by coverage key (and those never fired),
 * and the compiled machines' edges, from the engine's counts (the model's counters are the
 * machines' edge hits, model.ts MACHINES).
 */
import type { CompiledMachine } from '../../models/compile.ts';
import type { Tables } from '../../models/tables.ts';
import type { CheckResult } from './check.ts';
import { MACHINES } from './model.ts';

export { MACHINES };

/** A machine's edge coverage from its hit counts (one per edge). */
export const machineCoverageOf = (m: CompiledMachine, hits: ArrayLike<number>): CheckResult['coverage']['machines'][number] => {
  let fired = 0;
  let withFacts = 0;
  const never: string[] = [];
  m.edges.forEach((e, i) => {
    if (hits[i]) fired++;
    if (e.emitted.length) {
      withFacts++;
      if (!hits[i]) {
        const st = m.snapshots[Math.floor(i / m.alphabet.length)].value;
        never.push(`${JSON.stringify(st)} --${JSON.stringify(m.alphabet[i % m.alphabet.length])}--> ${e.emitted.map((x) => x.type).join(',')}`);
      }
    }
  });
  return { machine: m.id, edgesFired: fired, edgesWithFacts: withFacts, neverFired: never };
};

/** Every machine's edge coverage, from the model's counters (the machines' hits, one after another in MACHINES order). */
export const machineCoverage = (tables: Tables, counters: Float64Array): CheckResult['coverage']['machines'] => {
  let o = 0;
  return MACHINES.map((name) => {
    const m = tables[name];
    const hits = counters.subarray(o, o + m.hits.length);
    o += m.hits.length;
    return machineCoverageOf(m, hits);
  });
};

/** The coverage part of a result: commands fired by kind (and those never fired), machine edges. */
export const coverageOf = (commands: Readonly<Record<string, number>>, machines: CheckResult['coverage']['machines']): CheckResult['coverage'] => ({
  commands,
  commandsNeverFired: Object.entries(commands)
    .filter(([, n]) => n === 0)
    .map(([k]) => k),
  machines,
});
