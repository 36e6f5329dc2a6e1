/**
 * `npm run bench`: our checker against SPIN on the same model, side by side.
 *
 * For each bench config: generate the Promela model (bench/promela.ts) into bench/pml/,
 * compile pan with gcc -O2, run SPIN and our checker (symmetry off, then on) in turn, each
 * several times in a child process, and report the medians: distinct states, seconds,
 * states/s, bytes per state and the ratio ours/SPIN; then ours once more in fingerprint mode
 * (symmetry off), for that mode's bytes per state. The symmetry-off count must equal SPIN's
 * "states stored" (the two models hold the same information, see docs/performance.md).
 * Then the scaling table (one run each, states and seconds as vpages / pfns grow).
 * Figures go to bench/results/latest.json.
 *
 *   tsx bench/run.ts [--quick] [--configs a,b] [--runs N] [--no-scaling] [--scaling-only] [--equality]
 *                    [--instructions [--baseline FILE] [--tolerance PCT]] [--spin-extra] [--no-invariants]
 *                    [--fast-path | --no-fast-path] [--split-steps] [--install] [--out FILE]
 *
 * --quick        the small config only, no scaling table
 * --configs a,b  these configs (names from bench/configs.ts, or pPvVnNmMrR)
 * --runs N       timed runs per checker and config (default 3, at least 1)
 * --equality     only the count comparison over bench/configs.ts EQUALITY_CONFIGS (one run each),
 *                written to bench/results/equality.json unless --out is given
 * --instructions only the instructions each checker executes on the bench configs (symmetry off),
 *                under valgrind's cachegrind (bench/cachegrind.ts): repeatable where
 *                wall times are not; written to bench/results/instructions.json unless --out,
 *                and set beside the run that file held before (bench/instructionsBaseline.ts)
 * --baseline FILE  with --instructions: compare with this earlier --instructions run instead
 * --tolerance PCT  with --instructions: how much ours/SPIN may grow over the baseline's (default 1)
 * --spin-extra   also measure SPIN with -DCOLLAPSE, -DMA=<vector>, and with partial-order
 *                reduction on (the count must not change)
 * --no-invariants  both checkers without invariant checks (spin -DNOINV, checkSync invariants: [])
 * --fast-path    ours steps through the generated fast path (src/checker/fastPath.ts) from the first
 *                step; --no-fast-path: the general path only; neither: as `pfnmap check` runs, the
 *                general path for each worker's first FAST_PATH_AFTER steps (or until a level
 *                holds FAST_PATH_AHEAD), then the fast path
 * --split-steps  also time ours with its steps replayed (bench/ours.ts --replay-steps, from one
 *                recording per config in a temporary directory, removed after): each round runs it
 *                after ours' plain run, and the report gives ours' steps (plain less replayed,
 *                medians) and the rest (docs/performance.md §10.18)
 * --install      apt-get install spin (and valgrind, for --instructions) when missing (never done silently)
 * --out FILE     where the figures go (default bench/results/latest.json)
 *
 * Exit status: 0; 1 when a count of ours differs from SPIN's; 2 for a bad command line or
 * baseline file (one line saying what); 3 when spin, valgrind or gcc is missing (saying how to
 * get it); 4 when ours/SPIN in instructions grew over the baseline's by more than the tolerance.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CONFIGS, EQUALITY_CONFIGS, SCALING_CONFIGS, parseConfig, type BenchParams } from './configs.ts';
import { countInstructions, NODE_FLAGS } from './cachegrind.ts';
import { compareToBaseline, DEFAULT_TOLERANCE, readBaseline, type Baseline, type Comparison } from './instructionsBaseline.ts';
import { fastPathOption, scriptArgs, usageExit } from '../src/cli/args.ts';
import { generatePromela } from './promela.ts';
import { bundle } from '../bin/bundle.js';
import { fastPathAfter } from '../src/checker/model.ts';
import { stepsText } from '../src/checker/report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, 'bench');
const WORK = join(tmpdir(), 'pfnmap-bench');

// gcc flags for pan: -DSAFETY (no cycle detection: only asserts and end states), -DNOREDUCE
// (one process: partial-order reduction has nothing to reduce, its bookkeeping is pure cost),
// -DNOBOUNDCHECK (array indices are in range by construction; vma/tree asserts check the model).
export const GCC_FLAGS = ['-O2', '-DSAFETY', '-DNOREDUCE', '-DNOBOUNDCHECK'];

interface Args {
  quick: boolean;
  configs: BenchParams[] | null;
  runs: number;
  scaling: boolean;
  scalingOnly: boolean;
  equality: boolean;
  instructions: boolean;
  spinExtra: boolean;
  noInvariants: boolean;
  /** how ours steps (CheckResult.fastPath): false, true, or the general steps before the fast path */
  fastPath: boolean | number;
  splitSteps: boolean;
  install: boolean;
  out: string;
  /** --instructions: the earlier run to compare with, or why there is none */
  baseline: Baseline | { note: string };
  tolerance: number;
}

const BENCH_FLAGS = {
  quick: 'bool',
  configs: 'string',
  runs: 'int',
  'no-scaling': 'bool',
  'scaling-only': 'bool',
  equality: 'bool',
  instructions: 'bool',
  baseline: 'string',
  tolerance: 'string',
  'spin-extra': 'bool',
  'no-invariants': 'bool',
  'fast-path': 'bool',
  'no-fast-path': 'bool',
  'split-steps': 'bool',
  install: 'bool',
  out: 'string',
  help: 'bool',
} as const;

const USAGE =
  'usage: tsx bench/run.ts [--quick] [--configs a,b] [--runs N] [--no-scaling] [--scaling-only] [--equality] [--instructions [--baseline FILE] [--tolerance PCT]] [--spin-extra] [--no-invariants] [--fast-path | --no-fast-path] [--split-steps] [--install] [--out FILE]';

/** The command line (src/cli/args.ts's rules): a bad one is one line and exit 2, before anything runs. */
const parseBenchArgs = (argv: string[]): Args => {
  if (argv.includes('-h')) argv = argv.map((x) => (x === '-h' ? '--help' : x));
  const f = scriptArgs(argv, BENCH_FLAGS, 'bench').flags;
  if (f.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const configs =
    f.configs === undefined
      ? null
      : String(f.configs)
          .split(',')
          .filter(Boolean)
          .map((n) => {
            try {
              return parseConfig(n);
            } catch (e) {
              return usageExit(`bench: --configs: ${(e as Error).message}`);
            }
          });
  if (configs !== null && configs.length === 0) usageExit(`bench: --configs expects config names (a,b), got '${f.configs}'`);
  const runs = f.runs === undefined ? 3 : Number(f.runs);
  if (runs < 1 || runs > 9999) usageExit(`bench: --runs expects a whole number from 1 to 9999, got ${runs}`);
  const fastPath = fastPathAfter(fastPathOption(f, 'bench', usageExit));
  if (f.equality && f.instructions) usageExit('bench: --equality and --instructions are two different runs: give one');
  // the count comparison and the instruction count go to their own files: they must not replace the timed run's figures
  const out = f.out !== undefined ? resolve(String(f.out)) : join(BENCH, 'results', f.equality ? 'equality.json' : f.instructions ? 'instructions.json' : 'latest.json');
  if (f['split-steps'] && (f.instructions || f.equality || f['scaling-only'])) usageExit('bench: --split-steps goes with the timed runs, not --instructions, --equality or --scaling-only');
  if (!f.instructions && (f.baseline !== undefined || f.tolerance !== undefined)) usageExit('bench: --baseline and --tolerance go with --instructions');
  const tolerance = f.tolerance === undefined ? DEFAULT_TOLERANCE : Number(f.tolerance);
  if (!(tolerance >= 0 && tolerance <= 1000)) usageExit(`bench: --tolerance expects a percentage from 0 to 1000, got '${f.tolerance}'`);
  const baseline = f.instructions ? baselineFor(f.baseline === undefined ? null : resolve(String(f.baseline)), out, !f['no-invariants'], fastPath) : { note: '' };
  return {
    quick: !!f.quick,
    configs,
    runs,
    scaling: !f['no-scaling'],
    scalingOnly: !!f['scaling-only'],
    equality: !!f.equality,
    instructions: !!f.instructions,
    spinExtra: !!f['spin-extra'],
    noInvariants: !!f['no-invariants'],
    fastPath,
    splitSteps: !!f['split-steps'],
    install: !!f.install,
    out,
    baseline,
    tolerance,
  };
};

/**
 * The run --instructions compares with: `given` (which must be a usable one: exit 2 otherwise),
 * else what `out` holds before the new run replaces it, if it is one (else a note why not).
 */
const baselineFor = (given: string | null, out: string, invariants: boolean, fastPath: boolean | number): Baseline | { note: string } => {
  const file = given ?? out;
  if (given === null && !existsSync(file)) return { note: `no baseline: ${file} does not exist yet` };
  const b = readBaseline(file);
  const why =
    'error' in b
      ? b.error
      : b.invariants !== invariants
        ? `${file}: field invariants: the run ${b.invariants ? 'checked' : 'did not check'} the invariants, this one ${invariants ? 'does' : 'does not'}`
        : b.fastPath !== fastPath
          ? `${file}: field fastPath: the run's steps took ${stepsText(b.fastPath)}, this one's ${stepsText(fastPath)}`
          : null;
  if (why === null) return b as Baseline;
  if (given !== null) usageExit(`bench: --baseline ${why}`);
  return { note: `no baseline: ${why}` };
};

const has = (cmd: string, args: string[]): boolean => {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status !== null;
};

/** A Debian package's program the bench needs: present, installed on --install, or exit 3 saying how. */
const ensurePackage = (program: string, versionArgs: string[], pkg: string, install: boolean): void => {
  if (has(program, versionArgs)) return;
  if (!install) {
    console.error(`${program} is not installed. Install it with\n\n    apt-get update && apt-get install -y ${pkg}\n\nor run \`npm run bench -- --install\` to let the bench do that.`);
    process.exit(3);
  }
  console.log(`installing ${program}: apt-get update && apt-get install -y ${pkg}`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};

const ensureTools = (install: boolean, valgrind: boolean): string => {
  ensurePackage('spin', ['-V'], 'spin', install);
  if (valgrind) ensurePackage('valgrind', ['--version'], 'valgrind', install);
  if (!has('gcc', ['--version'])) {
    console.error('gcc is needed to compile pan: apt-get install -y gcc (or build-essential)');
    process.exit(3);
  }
  return execFileSync('spin', ['-V']).toString().trim();
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * What engine was measured: the git commit (when there is one) and a hash of the files our
 * checker runs (src/, models/, invariants/). The hash is taken before and after the run: the
 * engine may be edited while a long bench runs, and a run that mixes two engines says so.
 */
const engineHash = (): string => {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) h.update(p.slice(ROOT.length)).update(readFileSync(p));
    }
  };
  for (const d of ['src', 'models', 'invariants']) walk(join(ROOT, d));
  return h.digest('hex').slice(0, 16);
};
const gitInfo = (): { commit: string | null; dirtyEngineFiles: string[] } => {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'models', 'invariants'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split('\n')
      .filter(Boolean);
    return { commit, dirtyEngineFiles: dirty };
  } catch {
    return { commit: null, dirtyEngineFiles: [] };
  }
};

/** --no-invariants: both checkers explore the bare state space. */
let noInvariants = false;
/** how ours steps (Args.fastPath) */
let fastPath: boolean | number = fastPathAfter('auto');
/** the flag that makes ours step so */
const fastPathFlags = (): string[] => (fastPath === true ? ['--fast-path'] : fastPath === false ? ['--no-fast-path'] : []);

const load = (): number => Math.round(loadavg()[0] * 100) / 100;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// ---------------------------------------------------------------------------------------------
// SPIN

export interface SpinRun {
  statesStored: number;
  statesMatched: number;
  transitions: number;
  depth: number;
  vectorBytes: number;
  seconds: number;
  wallSeconds: number;
  reportedMB: number;
  hashMB: number;
  stackMB: number;
  statesMB: number;
  maxRssBytes: number | null;
  errors: number;
  depthTooSmall: boolean;
  loadBefore: number;
  loadAfter: number;
  output: string;
}

interface Pan {
  dir: string;
  pml: string;
  bin: string;
  compileSeconds: number;
  flags: string[];
}

const buildPan = (p: BenchParams, extra: string[] = [], tag = '', spinDefs: string[] = []): Pan => {
  const model = generatePromela(p);
  mkdirSync(join(BENCH, 'pml'), { recursive: true });
  const pml = join(BENCH, 'pml', `${p.name}.pml`);
  writeFileSync(pml, model.text);
  const dir = join(WORK, p.name + (tag ? '-' + tag : ''));
  mkdirSync(dir, { recursive: true });
  const local = join(dir, 'model.pml');
  writeFileSync(local, model.text);
  const t0 = performance.now();
  if (noInvariants && !spinDefs.includes('-DNOINV')) spinDefs = [...spinDefs, '-DNOINV'];
  execFileSync('spin', [...spinDefs, '-a', 'model.pml'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const flags = [...GCC_FLAGS, ...extra];
  execFileSync('gcc', [...flags, '-o', 'pan', 'pan.c'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, pml, bin: join(dir, 'pan'), compileSeconds: (performance.now() - t0) / 1000, flags: [...spinDefs.map((d) => 'spin ' + d), ...flags] };
};

/** A number pan printed: integers, decimals, or e-notation (pan prints 5.8e+08 for big counts). */
const num = (re: RegExp, s: string): number => {
  const m = re.exec(s);
  return m ? Number(m[1]) : NaN;
};
const NUM = '([\\d.]+(?:e[+-]?\\d+)?)';

const runPan = (pan: Pan, m: number, w: number): SpinRun => {
  const args = [`-m${m}`, `-w${w}`, '-n'];
  const loadBefore = load();
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', 'MAXRSS_KB %M', pan.bin, ...args], { cwd: pan.dir, maxBuffer: 1 << 26 })
    : spawnSync(pan.bin, args, { cwd: pan.dir, maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const out = r.stdout.toString() + r.stderr.toString();
  const rss = num(/MAXRSS_KB (\d+)/, out);
  return {
    statesStored: num(new RegExp(NUM + ' states, stored'), out),
    statesMatched: num(new RegExp(NUM + ' states, matched'), out),
    transitions: num(new RegExp(NUM + ' transitions'), out),
    depth: num(/depth reached (\d+)/, out),
    vectorBytes: num(/State-vector (\d+) byte/, out),
    seconds: num(/elapsed time ([\d.e+]+) seconds/, out),
    wallSeconds,
    reportedMB: num(/([\d.]+)\s+total actual memory usage/, out),
    hashMB: num(/([\d.]+)\s+memory used for hash table/, out),
    stackMB: num(/([\d.]+)\s+memory used for DFS stack/, out),
    statesMB: num(/([\d.]+)\s+actual memory usage for states/, out),
    maxRssBytes: Number.isFinite(rss) ? rss * 1024 : null,
    errors: num(/errors: (\d+)/, out),
    depthTooSmall: /max search depth too small/.test(out),
    loadBefore,
    loadAfter: load(),
    output: out,
  };
};

/** An untimed run that finds the depth and state count, so timed runs get a tight -m and -w. */
const calibrate = (pan: Pan): { m: number; w: number; first: SpinRun } => {
  let m = 1_000_000;
  for (;;) {
    const r = runPan(pan, m, 24);
    if (r.errors) throw new Error(`SPIN found an error in ${pan.pml}:\n${r.output}`);
    if (!r.depthTooSmall && Number.isFinite(r.statesStored)) {
      const depth = Math.ceil(r.depth * 1.1) + 1000;
      const w = Math.max(10, Math.ceil(Math.log2(Math.max(2, r.statesStored))));
      return { m: depth, w, first: r };
    }
    if (m >= 400_000_000) throw new Error('SPIN: search depth beyond 4e8');
    m *= 4;
  }
};

// ---------------------------------------------------------------------------------------------
// ours, in a child node process

export interface OursRun {
  distinct: number;
  generated: number;
  verdict: string;
  seconds: number;
  /** compiling the machines into tables, before the search's clock (as SPIN's compile) */
  compileSeconds: number;
  wallSeconds: number;
  stateBytes: number;
  storeBytes: number;
  storeBytesPerState: number;
  diskBytes: number;
  peakHeapBytes: number;
  maxRssBytes: number;
  /** the process's resident set before the search (Node, the bundle, the compiled tables) */
  rssBaseBytes: number;
  treeBoundHits: number;
  loadBefore: number;
  loadAfter: number;
}

/** The JSON line bench/ours.ts ends with; its steps must have run as this bench asked. */
const oursLine = (p: BenchParams, stdout: string): Omit<OursRun, 'wallSeconds' | 'loadBefore' | 'loadAfter'> & { fastPath: boolean | number } => {
  const j = JSON.parse(stdout.trim().split('\n').pop()!) as ReturnType<typeof oursLine>;
  if (j.fastPath !== fastPath) throw new Error(`ours on ${p.name}: its steps took ${stepsText(j.fastPath)}, the bench asked for ${stepsText(fastPath)}`);
  return j;
};

/** Ours runs as users run it: bundled by bin/bundle.js (plain ESM, no tsx loader). */
let oursBundle: string | undefined;
const oursBundlePath = (): string => (oursBundle ??= fileURLToPath(bundle(['bench-ours'])['bench-ours']));
/** The command line of bench/ours.ts for config p, its flags then `extra`. */
const oursArgs = (p: BenchParams, symmetry: boolean, noInv: boolean, extra: readonly string[]): string[] => [
  oursBundlePath(),
  p.name,
  '--symmetry',
  symmetry ? 'on' : 'off',
  ...(noInv ? ['--no-invariants'] : []),
  ...extra,
];
const runOurs = (p: BenchParams, symmetry: boolean, noInv = noInvariants, fingerprint = false): OursRun => {
  const args = oursArgs(p, symmetry, noInv, [...(fingerprint ? ['--fingerprint'] : []), ...fastPathFlags()]);
  const loadBefore = load();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ours failed on ${p.name}: ${r.stderr.toString()}`);
  const j = oursLine(p, r.stdout.toString());
  return {
    distinct: j.distinct,
    generated: j.generated,
    verdict: j.verdict,
    seconds: j.seconds,
    compileSeconds: j.compileSeconds,
    wallSeconds,
    stateBytes: j.stateBytes,
    storeBytes: j.storeBytes,
    storeBytesPerState: j.storeBytesPerState,
    diskBytes: j.diskBytes,
    peakHeapBytes: j.peakHeapBytes,
    maxRssBytes: j.maxRssBytes,
    rssBaseBytes: j.rssBaseBytes,
    treeBoundHits: j.treeBoundHits,
    loadBefore,
    loadAfter: load(),
  };
};

/** Ours on p (symmetry off) with the steps recorded to `file` (bench/ours.ts --record-steps): its bytes. */
const recordSteps = (p: BenchParams, file: string): number => {
  const args = oursArgs(p, false, noInvariants, [...fastPathFlags(), '--record-steps', file]);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ours failed to record its steps on ${p.name}: ${r.stderr.toString()}`);
  oursLine(p, r.stdout.toString());
  return statSync(file).size;
};

/** One run of ours on p (symmetry off) with its steps answered from `file` (bench/ours.ts --replay-steps). */
const replaySteps = (p: BenchParams, file: string): ReplayRun => {
  const args = oursArgs(p, false, noInvariants, ['--replay-steps', file]);
  const loadBefore = load();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ours failed to replay its steps on ${p.name}: ${r.stderr.toString()}`);
  const j = JSON.parse(r.stdout.toString().trim().split('\n').pop()!) as { distinct: number; steps: number; seconds: number };
  return { distinct: j.distinct, steps: j.steps, seconds: j.seconds, loadBefore, loadAfter: load() };
};

// ---------------------------------------------------------------------------------------------
// reporting

const fmtN = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmtS = (s: number): string => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const fmtB = (b: number): string => (Number.isFinite(b) ? b.toFixed(0) : '-');
const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padR = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

const table = (head: string[], rows: string[][]): string => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? padR(c, w[i]) : pad(c, w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
};

/** A run of ours with its steps replayed: everything but the steps (--split-steps). */
interface ReplayRun {
  distinct: number;
  steps: number;
  seconds: number;
  loadBefore: number;
  loadAfter: number;
}

interface ConfigResult {
  config: BenchParams;
  spin: {
    flags: string[];
    compileSeconds: number;
    panArgs: string;
    runs: SpinRun[];
    median: { seconds: number; wallSeconds: number; reportedMB: number; maxRssBytes: number | null };
    statesStored: number;
    vectorBytes: number;
    depth: number;
  };
  oursOff: { runs: OursRun[]; median: { seconds: number; peakHeapBytes: number; maxRssBytes: number } };
  oursOn: { runs: OursRun[]; median: { seconds: number; peakHeapBytes: number; maxRssBytes: number } } | null;
  /** one run of ours in fingerprint mode, symmetry off (the memory target of that mode) */
  oursFingerprint: OursRun;
  /** --split-steps: ours (symmetry off) with its steps replayed, one run a round; `stepsSeconds` is the plain runs' median less these runs' */
  oursReplayed?: { recordBytes: number; runs: ReplayRun[]; median: { seconds: number }; stepsSeconds: number };
  equal: boolean;
  extra?: Record<string, { flags: string[]; statesStored: number; seconds: number; reportedMB: number; maxRssBytes: number | null }>;
}

const benchConfig = (p: BenchParams, runs: number, withSymmetry: boolean, spinExtra: boolean, splitSteps: boolean): ConfigResult => {
  if (!splitSteps) return benchRounds(p, runs, withSymmetry, spinExtra, null);
  const dir = mkdtempSync(join(tmpdir(), 'pfnmap-steps-'));
  try {
    const file = join(dir, `${p.name}.steps`);
    const recordBytes = recordSteps(p, file);
    process.stdout.write(`   ours' steps recorded for --split-steps: ${fmtN(recordBytes / 1048576)} MB\n`);
    return benchRounds(p, runs, withSymmetry, spinExtra, { file, recordBytes });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The rounds of one config: SPIN and ours taking turns; with `record`, ours with its steps replayed too. */
const benchRounds = (p: BenchParams, runs: number, withSymmetry: boolean, spinExtra: boolean, record: { file: string; recordBytes: number } | null): ConfigResult => {
  process.stdout.write(`\n== ${p.name}: procs ${p.procs}, vpages ${p.vpages}, pfns ${p.pfns}, maxMapPages ${p.maxMapPages}, refcountMax ${p.refcountMax} (load ${load()})\n`);
  const pan = buildPan(p);
  const cal = calibrate(pan);
  process.stdout.write(`   SPIN: compiled in ${fmtS(pan.compileSeconds)} s; calibration ${fmtN(cal.first.statesStored)} states, depth ${fmtN(cal.first.depth)} -> -m${cal.m} -w${cal.w}\n`);
  const spinRuns: SpinRun[] = [];
  const offRuns: OursRun[] = [];
  const onRuns: OursRun[] = [];
  const replayRuns: ReplayRun[] = [];
  for (let i = 0; i < runs; i++) {
    // the checkers take turns, so a change of machine load hits both
    const s = runPan(pan, cal.m, cal.w);
    if (s.errors || s.depthTooSmall) throw new Error(`SPIN run failed on ${p.name}:\n${s.output}`);
    spinRuns.push(s);
    process.stdout.write(`   run ${i + 1}: SPIN ${fmtS(s.seconds)} s`);
    const o = runOurs(p, false);
    offRuns.push(o);
    process.stdout.write(`, ours (symmetry off) ${fmtS(o.seconds)} s`);
    if (record) {
      const rp = replaySteps(p, record.file);
      if (rp.distinct !== o.distinct) throw new Error(`ours with its steps replayed on ${p.name}: ${rp.distinct} states, the plain run ${o.distinct}`);
      replayRuns.push(rp);
      process.stdout.write(`, steps replayed ${fmtS(rp.seconds)} s`);
    }
    if (withSymmetry) {
      const o2 = runOurs(p, true);
      onRuns.push(o2);
      process.stdout.write(`, ours (symmetry on) ${fmtS(o2.seconds)} s`);
    }
    process.stdout.write(`  (load ${load()})\n`);
  }
  process.stdout.write(`   ours: machines compiled into tables in ${fmtS(median(offRuns.map((r) => r.compileSeconds)))} s (median; outside the seconds, as SPIN's compile is)\n`);
  const fpRun = runOurs(p, false, noInvariants, true);
  process.stdout.write(
    `   ours fingerprint mode (symmetry off, one run): ${fmtN(fpRun.distinct)} states, ${fmtS(fpRun.seconds)} s, store ${fmtB(fpRun.storeBytesPerState)} B/state, peak heap ${fmtB(fpRun.peakHeapBytes / fpRun.distinct)} B/state, peak RSS ${fmtB(fpRun.maxRssBytes / fpRun.distinct)} B/state (${fmtB((fpRun.maxRssBytes - fpRun.rssBaseBytes) / fpRun.distinct)} above the process's start), ${fmtN(fpRun.diskBytes / 1048576)} MB to disk  (load ${load()})\n`,
  );
  const med = (rs: OursRun[]) => ({
    seconds: median(rs.map((r) => r.seconds)),
    peakHeapBytes: median(rs.map((r) => r.peakHeapBytes)),
    maxRssBytes: median(rs.map((r) => r.maxRssBytes)),
  });
  const stored = spinRuns[0].statesStored;
  const res: ConfigResult = {
    config: p,
    spin: {
      flags: pan.flags,
      compileSeconds: pan.compileSeconds,
      panArgs: `-m${cal.m} -w${cal.w} -n`,
      runs: spinRuns.map((r) => ({ ...r, output: '' })),
      median: {
        seconds: median(spinRuns.map((r) => r.seconds)),
        wallSeconds: median(spinRuns.map((r) => r.wallSeconds)),
        reportedMB: median(spinRuns.map((r) => r.reportedMB)),
        maxRssBytes: spinRuns[0].maxRssBytes === null ? null : median(spinRuns.map((r) => r.maxRssBytes!)),
      },
      statesStored: stored,
      vectorBytes: spinRuns[0].vectorBytes,
      depth: spinRuns[0].depth,
    },
    oursOff: { runs: offRuns, median: med(offRuns) },
    oursOn: withSymmetry ? { runs: onRuns, median: med(onRuns) } : null,
    oursFingerprint: fpRun,
    ...(record
      ? {
          oursReplayed: {
            recordBytes: record.recordBytes,
            runs: replayRuns,
            median: { seconds: median(replayRuns.map((r) => r.seconds)) },
            stepsSeconds: median(offRuns.map((r) => r.seconds)) - median(replayRuns.map((r) => r.seconds)),
          },
        }
      : {}),
    equal: offRuns.every((r) => r.distinct === stored) && fpRun.distinct === stored && spinRuns.every((r) => r.statesStored === stored),
  };
  if (spinExtra) res.extra = spinExtras(p, cal.m, cal.w, spinRuns[0].vectorBytes);
  return res;
};

/**
 * SPIN variants: lossless compression (-DCOLLAPSE, -DMA), POR on. (-DBFS is refused by pan on
 * models with hidden variables; making the scratch variables visible would put them in the
 * state vector and change the count.)
 */
const spinExtras = (p: BenchParams, m: number, w: number, vector: number): ConfigResult['extra'] => {
  const out: NonNullable<ConfigResult['extra']> = {};
  const variants: [string, string[], string[]][] = [
    ['collapse', ['-DCOLLAPSE'], []],
    ['ma', [`-DMA=${vector}`], []],
    ['por', [], ['-DNOREDUCE']],
  ];
  for (const [tag, add, remove] of variants) {
    const pan = buildPan(p, add, tag);
    if (remove.length) {
      pan.flags = pan.flags.filter((f) => !remove.includes(f));
      execFileSync('gcc', [...pan.flags, '-o', 'pan', 'pan.c'], { cwd: pan.dir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const r = runPan(pan, m, w);
    out[tag] = { flags: pan.flags, statesStored: r.statesStored, seconds: r.seconds, reportedMB: r.reportedMB, maxRssBytes: r.maxRssBytes };
    process.stdout.write(`   SPIN ${tag} (${pan.flags.join(' ')}): ${fmtN(r.statesStored)} states, ${fmtS(r.seconds)} s, ${r.reportedMB} MB\n`);
  }
  return out;
};

const printBench = (rs: ConfigResult[]): string => {
  const rows: string[][] = [];
  for (const r of rs) {
    const n = r.spin.statesStored;
    const spinRss = r.spin.median.maxRssBytes;
    const add = (label: string, states: number, secs: number, memA: number, memB: number | null, ratioT: string, ratioM: string) =>
      rows.push([
        label,
        fmtN(states),
        fmtS(secs),
        fmtN(states / secs),
        fmtB(memA / states),
        memB === null ? '-' : fmtB(memB / states),
        ratioT,
        ratioM,
      ]);
    add(`${r.config.name} SPIN`, n, r.spin.median.seconds, r.spin.median.reportedMB * 1024 * 1024, spinRss, '1', '1');
    const off = r.oursOff.median;
    add(
      `${r.config.name} ours sym-off`,
      r.oursOff.runs[0].distinct,
      off.seconds,
      off.peakHeapBytes,
      off.maxRssBytes,
      (off.seconds / r.spin.median.seconds).toFixed(2),
      spinRss === null ? '-' : (off.maxRssBytes / spinRss).toFixed(2),
    );
    const fpr = r.oursFingerprint;
    add(
      `${r.config.name} ours fingerprint (1 run)`,
      fpr.distinct,
      fpr.seconds,
      fpr.peakHeapBytes,
      fpr.maxRssBytes,
      (fpr.seconds / r.spin.median.seconds).toFixed(2),
      spinRss === null ? '-' : (fpr.maxRssBytes / spinRss).toFixed(2),
    );
    if (r.oursOn) {
      const on = r.oursOn.median;
      add(
        `${r.config.name} ours sym-on`,
        r.oursOn.runs[0].distinct,
        on.seconds,
        on.peakHeapBytes,
        on.maxRssBytes,
        (on.seconds / r.spin.median.seconds).toFixed(2),
        spinRss === null ? '-' : (on.maxRssBytes / spinRss).toFixed(2),
      );
    }
  }
  const t = table(['config / checker', 'distinct states', 'seconds', 'states/s', 'B/state (heap|SPIN)', 'B/state (RSS)', 'time ours/SPIN', 'RSS ours/SPIN'], rows);
  const eq = rs
    .map(
      (r) =>
        `${r.config.name}: ours (symmetry off) ${fmtN(r.oursOff.runs[0].distinct)} ${r.equal ? '==' : '!='} SPIN ${fmtN(r.spin.statesStored)} states stored -> ${r.equal ? 'EQUAL' : 'DIFFERENT'}`,
    )
    .join('\n');
  const split = rs
    .filter((r) => r.oursReplayed)
    .map((r) => {
      const x = r.oursReplayed!;
      const steps = x.runs[0].steps;
      return `${r.config.name}: ours (symmetry off) ${fmtS(r.oursOff.median.seconds)} s = steps ${fmtS(x.stepsSeconds)} s (${fmtN((x.stepsSeconds / steps) * 1e9)} ns a step, ${fmtN(steps)} steps) + the rest ${fmtS(x.median.seconds)} s (steps replayed)`;
    })
    .join('\n');
  return `${t}\n\n${split ? split + '\n\n' : ''}medians of the runs; seconds = each checker's own search time (ours: checkSync, the machines compiled into tables before it; SPIN: pan's elapsed time, compiled before it)\nB/state (heap|SPIN): ours peak heap (V8 heap + state store), SPIN's "total actual memory usage", per state\nB/state (RSS): peak resident set size of the process, per state\nfingerprint: ours with --fingerprint (symmetry off, one run): 64-bit fingerprints in memory, queue and trace links on disk\n\n${eq}\n`;
};

const scaling = (list: readonly BenchParams[], title = 'scaling'): { config: BenchParams; ours: OursRun; spin: SpinRun }[] => {
  const out: { config: BenchParams; ours: OursRun; spin: SpinRun }[] = [];
  process.stdout.write(`\n== ${title} (one run each, symmetry off)\n`);
  for (const p of list) {
    const pan = buildPan(p);
    const cal = calibrate(pan);
    const s = runPan(pan, cal.m, cal.w);
    const o = runOurs(p, false);
    out.push({ config: p, ours: o, spin: { ...s, output: '' } });
    process.stdout.write(
      `   ${padR(p.name, 12)} ${pad(fmtN(s.statesStored), 11)} states  SPIN ${pad(fmtS(s.seconds), 6)} s  ours ${pad(fmtS(o.seconds), 6)} s  ${o.distinct === s.statesStored ? 'equal' : 'DIFFERENT ' + o.distinct}  (load ${load()})\n`,
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// instructions (--instructions)

/** Configs --instructions takes by default: under valgrind `large` would take over an hour. */
const INSTRUCTION_CONFIGS = BENCH_CONFIGS.filter((p) => p.name !== 'large');

interface InstructionsResult {
  config: BenchParams;
  spin: { panArgs: string; statesStored: number; instructions: number };
  ours: { nodeFlags: string[]; distinct: number; instructions: number; beforeSearch: number; search: number };
  /** ours' search against pan's whole run */
  ratio: number;
  equal: boolean;
}

/**
 * One config's instructions: pan's whole run (its own setup is a hash table's allocation), and
 * ours' search: the smaller of two runs less the smallest of three runs that stop before the
 * search (`--setup-only`: Node, the bundle, the machines compiled into tables), as the timed
 * bench leaves the compile out.
 */
const instructionsConfig = (p: BenchParams): InstructionsResult => {
  process.stdout.write(`\n== ${p.name}: instructions under cachegrind, symmetry off (load ${load()})\n`);
  const pan = buildPan(p);
  const cal = calibrate(pan);
  const panArgs = [`-m${cal.m}`, `-w${cal.w}`, '-n'];
  const spin = countInstructions(pan.bin, panArgs, pan.dir);
  const statesStored = num(new RegExp(NUM + ' states, stored'), spin.stdout);
  process.stdout.write(`   SPIN (pan ${panArgs.join(' ')}): ${fmtN(spin.instructions)} instructions, ${fmtN(statesStored)} states\n`);
  const args = [...NODE_FLAGS, oursBundlePath(), p.name, '--symmetry', 'off', ...(noInvariants ? ['--no-invariants'] : []), ...fastPathFlags()];
  // the smallest of three runs that stop before the search, and of two whole runs: a single
  // reading still moves a little from run to run (performance.md §2)
  const before = Math.min(...[0, 1, 2].map(() => countInstructions(process.execPath, [...args, '--setup-only'], ROOT).instructions));
  const wholeRuns = [0, 1].map(() => countInstructions(process.execPath, args, ROOT));
  const whole = Math.min(...wholeRuns.map((r) => r.instructions));
  const distinct = oursLine(p, wholeRuns[0].stdout).distinct;
  const search = whole - before;
  process.stdout.write(`   ours (node ${NODE_FLAGS.join(' ')}): ${fmtN(whole)} instructions, ${fmtN(before)} of them before the search; ${fmtN(distinct)} states\n`);
  return {
    config: p,
    spin: { panArgs: panArgs.join(' '), statesStored, instructions: spin.instructions },
    ours: { nodeFlags: NODE_FLAGS, distinct, instructions: whole, beforeSearch: before, search },
    ratio: search / spin.instructions,
    equal: distinct === statesStored,
  };
};

const printInstructions = (rs: InstructionsResult[]): string => {
  const rows = rs.map((r) => [
    r.config.name,
    fmtN(r.spin.statesStored),
    fmtN(r.spin.instructions),
    fmtN(r.ours.search),
    r.ratio.toFixed(2),
    fmtN(r.ours.beforeSearch),
    r.equal ? 'equal' : `DIFFERENT (ours ${fmtN(r.ours.distinct)})`,
  ]);
  const t = table(['config', 'states (SPIN)', 'SPIN instructions', 'ours: search', 'ours/SPIN', 'ours: before the search', 'counts'], rows);
  return `${t}\n\ninstructions executed (valgrind --tool=cachegrind): SPIN's whole pan run; ours' smaller of two runs less the smallest of three that stop before the search\n`;
};

const printComparison = (b: Baseline, cmp: Comparison[], tolerance: number): string => {
  const head = `against the baseline ${b.file.startsWith(ROOT + sep) ? relative(ROOT, b.file) : b.file} (${b.commit ? 'commit ' + b.commit.slice(0, 7) : 'no commit'}${b.date ? ', ' + b.date.slice(0, 10) : ''}), tolerance ${tolerance} %:`;
  if (cmp.length === 0) return `${head} it has none of these configs`;
  const rows = cmp.map((c) => [
    c.config,
    `${fmtN(c.before.search)} -> ${fmtN(c.now.search)}`,
    `${c.ratioBefore.toFixed(2)} -> ${c.ratioNow.toFixed(2)}`,
    `${c.change >= 0 ? '+' : ''}${c.change.toFixed(2)} %`,
    c.worse ? 'WORSE' : c.change < -tolerance ? 'better' : 'within',
    c.spinMoved ? `pan moved: ${fmtN(c.before.spin)} -> ${fmtN(c.now.spin)}` : 'pan same',
  ]);
  return `${head}\n${table(['config', 'ours: search', 'ours/SPIN', 'change', '', 'SPIN'], rows)}`;
};

const main = (): void => {
  const a = parseBenchArgs(process.argv.slice(2));
  const spinVersion = ensureTools(a.install, a.instructions);
  noInvariants = a.noInvariants;
  fastPath = a.fastPath;
  const gccVersion = execFileSync('gcc', ['--version']).toString().split('\n')[0];
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    spin: spinVersion,
    gcc: gccVersion,
    gccFlags: GCC_FLAGS.join(' '),
    loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; node ${machine.node}; ${spinVersion}; ${gccVersion}`);
  console.log(`pan: gcc ${machine.gccFlags}; load average at start ${machine.loadAtStart.join(' ')}`);

  const git = gitInfo();
  const engineAtStart = engineHash();
  console.log(
    `engine: ${git.commit ? 'commit ' + git.commit.slice(0, 12) : 'no git'}${git.dirtyEngineFiles.length ? `, ${git.dirtyEngineFiles.length} engine file(s) changed in the work tree` : ''}; source hash ${engineAtStart}`,
  );
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine,
    engine: { ...git, sourceHashAtStart: engineAtStart },
    argv: process.argv.slice(2),
    invariants: !noInvariants,
    fastPath,
  };
  if (noInvariants) console.log('invariant checks OFF on both sides (spin -DNOINV, checkSync invariants: [])');
  console.log(`ours' steps: ${stepsText(fastPath)}`);
  if (a.instructions) {
    const rows = (a.configs ?? (a.quick ? BENCH_CONFIGS.slice(0, 1) : INSTRUCTION_CONFIGS)).map(instructionsConfig);
    const text = printInstructions(rows);
    console.log('\n' + text);
    result.instructions = rows;
    result.instructionsTable = text;
    if ('note' in a.baseline) console.log(a.baseline.note);
    else {
      const cmp = compareToBaseline(a.baseline, rows.map((r) => ({ config: r.config.name, spin: r.spin.instructions, search: r.ours.search })), a.tolerance);
      console.log('\n' + printComparison(a.baseline, cmp, a.tolerance));
      result.baseline = { file: a.baseline.file, commit: a.baseline.commit, date: a.baseline.date, tolerance: a.tolerance, configs: cmp };
      if (cmp.some((c) => c.worse)) process.exitCode = 4;
    }
    if (rows.some((r) => !r.equal)) process.exitCode = 1;
  } else if (a.equality) {
    const rows = scaling(EQUALITY_CONFIGS, 'equality: ours (symmetry off) distinct vs SPIN states stored');
    result.equality = rows;
    const bad = rows.filter((r) => r.ours.distinct !== r.spin.statesStored);
    console.log(bad.length ? `\n${bad.length} config(s) DIFFER` : `\nall ${rows.length} counts equal`);
  } else {
    const configs = a.configs ?? (a.quick ? BENCH_CONFIGS.slice(0, 1) : BENCH_CONFIGS);
    if (!a.scalingOnly) {
      const rs = configs.map((p) => benchConfig(p, a.runs, true, a.spinExtra, a.splitSteps));
      const text = printBench(rs);
      console.log('\n' + text);
      result.bench = rs;
      result.benchTable = text;
    }
    if ((a.scaling && !a.quick && !a.configs) || a.scalingOnly) result.scaling = scaling(SCALING_CONFIGS);
  }
  result.loadAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  const engineAtEnd = engineHash();
  (result.engine as Record<string, unknown>).sourceHashAtEnd = engineAtEnd;
  if (engineAtEnd !== engineAtStart) console.log(`WARNING: the engine's source changed during the run (${engineAtStart} -> ${engineAtEnd}): the runs mix two engines`);
  const file = a.out;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nload average at end ${(result.loadAtEnd as number[]).join(' ')}; figures written to ${file}`);
  const eqs = (result.bench as ConfigResult[] | undefined)?.filter((r) => !r.equal) ?? [];
  if (eqs.length) process.exitCode = 1;
};

main();
