/**
 * Our checker on one bench config, in this process: prints one JSON line with the counts,
 * the time and the memory. bench/run.ts runs it in a child `node --import tsx` process so
 * that the heap and RSS figures belong to this search alone.
 *
 *   npx tsx bench/ours.ts <config> [--symmetry on|off] [--no-invariants] [--fingerprint] [--workers N] [--setup-only] [--fast-path | --no-fast-path]
 *                         [--record-steps FILE | --replay-steps FILE | --levels | --repeat N]
 *
 * --setup-only: stop after compiling the machines, before the search (one JSON line, `setupOnly`):
 * what the process costs without the search, which the bench's instruction count subtracts.
 * --workers N: the parallel search on N worker threads (src/engine/parallel.ts). --fingerprint: fingerprint-only storage (64-bit fingerprints, packed bytes dropped once
 * expanded) instead of exact storage. The steps run as `pfnmap check` runs them: the general
 * path, then the generated fast path (src/checker/fastPath.ts) once a worker has taken
 * FAST_PATH_AFTER general steps or is told of a level of FAST_PATH_AHEAD steps; --fast-path: the fast path from the first step;
 * --no-fast-path: the general path only. The JSON line's `fastPath` says which (CheckResult.fastPath).
 * --record-steps FILE: the search (on this thread) with every step's result written to FILE
 * (src/engine/recordedSteps.ts; about stateBytes + 12 bytes a step, written to a temporary file
 * renamed into place at the end); --replay-steps FILE: the same search with each step answered
 * from FILE by a copy, so its `seconds` are the engine's and the model's other calls' (plan,
 * canonical form, packing, invariants) without the decider, and the difference from a plain
 * run is what the steps cost (docs/performance.md §10.18). Their JSON line has `stepsFrom`
 * ('recorded' or 'replayed'), the steps taken and the search's counts, not the memory figures.
 * --levels: the search with the time each level began, its states, and the fast path's state
 * then (bench/levels.ts; JSON `levels`); --repeat N: the search N times in this process, each
 * run's seconds and counts (JSON `runs`): the first against the later ones is what a cold start
 * costs. Neither gives the memory figures; runs that disagree with each other, or levels that do
 * not add up to the count, are one line on stderr and exit 1.
 */
import { checkSync } from '../src/checker/check.ts';
import { compileTables } from '../models/tables.ts';
import { DESIGN_PRESETS } from '../src/state/design.ts';
import { layoutOf } from '../src/state/layout.ts';
import { benchUniverse, parseConfig } from './configs.ts';
import { fastPathOption, scriptArgs, usageExit } from '../src/cli/args.ts';
import { recordedStepsRun } from './steps.ts';
import { levelsRun, repeatedRuns } from './levels.ts';

const USAGE =
  'usage: tsx bench/ours.ts <config> [--symmetry on|off] [--no-invariants] [--fingerprint] [--workers N] [--setup-only] [--fast-path | --no-fast-path] [--record-steps FILE | --replay-steps FILE | --levels | --repeat N]';
const { positional, flags } = scriptArgs(
  process.argv.slice(2),
  {
    symmetry: 'string',
    'no-invariants': 'bool',
    fingerprint: 'bool',
    workers: 'int',
    'setup-only': 'bool',
    'fast-path': 'bool',
    'no-fast-path': 'bool',
    'record-steps': 'string',
    'replay-steps': 'string',
    levels: 'bool',
    repeat: 'int',
  },
  'ours',
  1,
);
const name = positional[0] ?? usageExit(USAGE);
const fastPath = fastPathOption(flags, 'ours', usageExit);
if (flags.symmetry !== undefined && flags.symmetry !== 'on' && flags.symmetry !== 'off') usageExit(`ours: --symmetry expects on or off, got '${flags.symmetry}'`);
const symmetry = flags.symmetry === 'on';
const noInv = !!flags['no-invariants'];
const exact = !flags.fingerprint;
const setupOnly = !!flags['setup-only'];
const workers = flags.workers === undefined ? 1 : Number(flags.workers);
if (workers < 1) usageExit(`ours: --workers expects a positive integer, got ${workers}`);
const recordSteps = flags['record-steps'] as string | undefined;
const replaySteps = flags['replay-steps'] as string | undefined;
if (recordSteps !== undefined && replaySteps !== undefined) usageExit('ours: --record-steps and --replay-steps together');
if ((recordSteps !== undefined || replaySteps !== undefined) && workers !== 1) usageExit('ours: --record-steps and --replay-steps search on this thread: no --workers');
const levels = !!flags.levels;
const repeat = flags.repeat === undefined ? undefined : Number(flags.repeat);
if (repeat !== undefined && repeat < 1) usageExit(`ours: --repeat expects a positive integer, got ${repeat}`);
const modes = [recordSteps !== undefined || replaySteps !== undefined, levels, repeat !== undefined, setupOnly].filter(Boolean).length;
if (modes > 1) usageExit('ours: one of --record-steps or --replay-steps, --levels, --repeat and --setup-only at a time');
if ((levels || repeat !== undefined) && workers !== 1) usageExit('ours: --levels and --repeat search on this thread: no --workers');
const params = (() => {
  try {
    return parseConfig(name);
  } catch (e) {
    return usageExit(`ours: ${(e as Error).message}`);
  }
})();
const universe = benchUniverse(params);
const design = DESIGN_PRESETS.find((d) => d.name === 'tracked')!.design;

// the machines compiled into tables (cached for the search) before the clock starts, as
// SPIN's compile (spin -a, gcc) is outside pan's time; reported on its own
const tc = performance.now();
compileTables(universe, design);
const compileSeconds = (performance.now() - tc) / 1000;
if (setupOnly) {
  console.log(JSON.stringify({ config: params.name, setupOnly: true, compileSeconds }));
  process.exit(0);
}
if (recordSteps !== undefined || replaySteps !== undefined) {
  const mode = recordSteps !== undefined ? { record: recordSteps } : { replay: replaySteps! };
  console.log(JSON.stringify({ config: params.name, params, symmetry, ...(await recordedStepsRun({ universe, design, symmetry, exact, noInvariants: noInv, fastPath }, mode)) }));
  process.exit(0);
}
if (levels || repeat !== undefined) {
  const o = { universe, design, symmetry, exact, noInvariants: noInv, fastPath };
  try {
    console.log(JSON.stringify({ config: params.name, params, symmetry, fastPath, ...(levels ? levelsRun(o) : repeatedRuns(o, repeat!)) }));
  } catch (e) {
    // runs that disagree with each other or with their levels: a fault of the search, not of the command line
    console.error(`ours: ${(e as Error).message}`);
    process.exit(1);
  }
  process.exit(0);
}
const rss0 = process.memoryUsage().rss;
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const r = checkSync({ universe, design, symmetry, exact, workers, invariants: noInv ? [] : undefined, fastPath });
const seconds = (performance.now() - t0) / 1000;
const mu = process.memoryUsage();
// getrusage ru_maxrss: the peak resident set of this process (KiB)
const maxRss = process.resourceUsage().maxRSS * 1024;
const out = {
  config: params.name,
  params,
  symmetry,
  invariants: !noInv,
  storage: r.storage,
  workers,
  collisionProbability: r.collisionProbability,
  fastPath: r.fastPath,
  verdict: r.verdict,
  violation: r.violation ? `${r.violation.invariant}: ${r.violation.message}` : undefined,
  distinct: r.distinct,
  generated: r.generated,
  depth: r.depth,
  treeBoundHits: r.bounds.treeBoundHits,
  seconds,
  compileSeconds,
  statesPerSecond: r.distinct / seconds,
  stateBytes: layoutOf(universe).size,
  storeBytes: r.storeBytes,
  storeBytesPerState: r.bytesPerState,
  diskBytes: r.diskBytes,
  peakHeapBytes: r.peakHeapBytes,
  heapBaseBytes: heap0,
  rssBytes: mu.rss,
  maxRssBytes: maxRss,
  rssBaseBytes: rss0,
  brokenQuality: r.brokenQuality.map((q) => q.invariant),
};
if (r.bounds.treeBoundHits !== 0) {
  console.error(`ours: ${r.bounds.treeBoundHits} successors were dropped at the tree bound: the count is not comparable`);
  process.exitCode = 1;
}
console.log(JSON.stringify(out));
