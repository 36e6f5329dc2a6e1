/**
 * The checker's report in text, kept apart from the search: a verdict line that says exactly
 * what was (and was not) proved, the figures, the bounds applied, the counterexample in
 * kernel vocabulary, reachability and coverage.
 */
import { traceText } from '../events/format.ts';
import type { Universe } from '../state/universe.ts';
import { COMMAND_KINDS } from '../events/commands.ts';
import type { CheckResult, Counterexample } from './check.ts';
import { FAST_PATH_AHEAD } from './model.ts';

const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;
const num = (n: number): string => n.toLocaleString('en-US');

/** How the search's steps ran (CheckResult.fastPath; the bench says it of its runs too). */
export const stepsText = (fastPath: boolean | number): string =>
  fastPath === false
    ? 'the general path only (--no-fast-path)'
    : fastPath === true
      ? 'the generated fast path from the first step (--fast-path)'
      : `the general path for each worker's first ${num(fastPath)} steps, or until a level holds ${num(FAST_PATH_AHEAD)} of them, then the generated fast path (docs/architecture.md §2.5)`;

export const universeText = (u: Universe): string =>
  `${u.procs} address space${u.procs > 1 ? 's' : ''} x ${u.vpages} virtual pages x ${u.pfns} device frames, REFCOUNT_MAX ${u.refcountMax}, treeMax ${u.treeMax}, ${u.kernelSlots} kernel slot${u.kernelSlots === 1 ? '' : 's'}, MTRR ${u.mtrr}`;

export const counterexampleText = (c: Counterexample, indent = '  '): string[] => [
  `${indent}shortest trace: ${c.depth} command${c.depth === 1 ? '' : 's'}${c.alsoBroken.length > 1 ? ` (the last state also breaks: ${c.alsoBroken.filter((n) => n !== c.invariant).join(', ')})` : ''}`,
  ...traceText(c.events).map((l) => indent + '  ' + l),
  `${indent}state at the end:`,
  ...c.finalState.map((l) => indent + '  ' + l),
];

export const verdictLine = (r: CheckResult): string => {
  switch (r.verdict) {
    case 'PROVED':
      return `PROVED: all ${num(r.distinct)} reachable states keep every checked safety invariant (${r.stopOn.join(', ')})`;
    case 'NO_VIOLATION_UP_TO_DEPTH':
      return `NO VIOLATION UP TO DEPTH ${r.bounds.depth}: ${num(r.distinct)} states within ${r.bounds.depth} commands keep every checked invariant (not a proof: deeper states were not explored)`;
    case 'NO_VIOLATION_WITHIN_BOUNDS':
      return `NO VIOLATION WITHIN BOUNDS: ${num(r.distinct)} states keep every checked invariant, but the treeMax bound (${r.bounds.treeMax}) cut ${num(r.bounds.treeBoundHits)} transitions (not a proof: raise treeMax)`;
    case 'VIOLATION':
      return `VIOLATION of ${r.violation!.invariant}: ${r.violation!.message}`;
    case 'STOPPED':
      return `STOPPED at the ${r.stoppedBy === 'interrupt' ? 'interrupt (Ctrl-C, SIGTERM or SIGHUP)' : r.stoppedBy + ' limit'}: no violation among ${num(r.distinct)} states so far (not a proof)`;
  }
};

export const reportText = (r: CheckResult, u: Universe): string[] => {
  const out: string[] = [];
  out.push(`pfnmap check: design ${r.design}, config ${r.config} (${universeText(u)})`);
  out.push(verdictLine(r));
  if (r.verdict === 'PROVED')
    out.push(
      `  what it means: in this bounded universe no sequence of commands, of any length, reaches a state that breaks them; it says nothing about larger universes or about behaviour the model leaves out (docs/model.md)`,
    );
  out.push(
    `  storage: ${r.storage}${r.storage === 'exact' ? ' (every state stored and compared byte by byte: no two distinct states merged)' : ` (64-bit fingerprints: collision probability <= ${r.collisionProbability.toExponential(2)})`}; symmetry reduction ${r.symmetry ? 'on (address spaces, ctx and lineage ids, kernel slots)' : 'off'}; steps: ${stepsText(r.fastPath)}`,
  );
  out.push(
    `  states: ${num(r.distinct)} distinct, ${num(r.generated)} generated, depth ${r.depth}, ${r.seconds.toFixed(2)} s, ${num(Math.round(r.statesPerSecond))} states/s, store ${mb(r.storeBytes)} (${r.bytesPerState.toFixed(1)} bytes a state, ${r.packedStateBytes} packed), peak heap ${mb(r.peakHeapBytes)}${r.diskBytes > 0 ? `, queue and trace links written to disk ${mb(r.diskBytes)}` : ''}`,
  );
  out.push(
    `  bounds: ${r.bounds.depth !== undefined ? `depth ${r.bounds.depth}; ` : ''}treeMax ${r.bounds.treeMax} (${r.bounds.treeBoundHits ? `${num(r.bounds.treeBoundHits)} transitions cut: states with more tree entries were not explored` : 'never reached'})`,
  );
  if (r.violation) out.push(...counterexampleText(r.violation));
  for (const q of r.brokenQuality) {
    out.push(`quality invariant ${q.invariant} broken (not a safety violation): ${q.message}`);
    out.push(...counterexampleText(q));
  }
  const notReached = r.reachability.filter((x) => !x.reached);
  out.push(
    `  reachability: ${r.reachability.map((x) => `${x.name} ${x.reached ? `reached (depth ${x.depth})` : 'NOT REACHED'}`).join(', ')}`,
  );
  if (notReached.length && r.verdict !== 'VIOLATION')
    out.push(`  WARNING: ${notReached.map((x) => x.name).join(', ')} never reached: this config says nothing about ${notReached.length > 1 ? 'them' : 'it'}`);
  const cmds = Object.entries(r.coverage.commands)
    .map(([k, n]) => `${k} ${num(n)}`)
    .join(', ');
  out.push(`  coverage: commands fired: ${cmds}`);
  if (r.coverage.commandsNeverFired.length) out.push(`  WARNING: commands never fired: ${r.coverage.commandsNeverFired.join(', ')}`);
  for (const m of r.coverage.machines)
    out.push(`  coverage: machine ${m.machine}: ${m.edgesFired} edges taken; ${m.edgesWithFacts - m.neverFired.length} of ${m.edgesWithFacts} fact-emitting edges`);
  return out;
};

/**
 * A suite's verdict: the worst of its members, what was proved in all, and whether the members
 * together fired every command kind and reached every reachability property.
 */
export const suiteSummary = (name: string, members: readonly Universe[], results: readonly CheckResult[]) => {
  const fired = new Set<string>();
  for (const r of results) for (const [k, n] of Object.entries(r.coverage.commands)) if (n > 0) fired.add(k.replace(/\(.*\)$/, ''));
  const neverFired = COMMAND_KINDS.filter((k) => !fired.has(k));
  const reached = new Set(results.flatMap((r) => r.reachability.filter((x) => x.reached).map((x) => x.name)));
  const all = new Set(results.flatMap((r) => r.reachability.map((x) => x.name)));
  const notReached = [...all].filter((x) => !reached.has(x));
  const total = results.reduce((a, r) => a + r.distinct, 0);
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const proved = results.length === members.length && results.every((r) => r.verdict === 'PROVED');
  const lines = [
    `suite ${name}: ${proved ? 'PROVED' : results.some((r) => r.verdict === 'VIOLATION') ? 'VIOLATION' : 'NOT PROVED'} over ${results.length} of ${members.length} universes (${members.map((u) => u.name).join(', ')}): ${num(total)} states in ${seconds.toFixed(1)} s`,
    `  commands fired across the suite: ${neverFired.length ? `all but ${neverFired.join(', ')}` : `every command kind of MODEL.md §3 (${COMMAND_KINDS.length})`}`,
    `  reachability across the suite: ${notReached.length ? `NOT REACHED: ${notReached.join(', ')}` : `every property reached (${[...all].join(', ')})`}`,
  ];
  return { lines, neverFired, notReached, total, seconds };
};
