/**
 * The repository scripts' command lines (bench/, scripts/, kernel/, read with src/cli/args.ts's
 * `scriptArgs`): an unknown flag, a flag without its value, a value out of range, an unknown
 * config or an extra argument is one line on stderr and exit 2, before the script does
 * anything (no SPIN, no search, no file written).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { scriptArgs } from '../../src/cli/args.ts';

const run = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const refuses = (script: string, args: string[], message: RegExp): void => {
  const r = run(script, args);
  const what = `${script} ${args.join(' ')}`;
  expect(r.status, what).toBe(2);
  expect(r.stdout, what).toBe('');
  expect(r.stderr.trimEnd().split('\n'), what).toHaveLength(1);
  expect(r.stderr.trimEnd(), what).toMatch(message);
};

describe('scriptArgs (src/cli/args.ts)', () => {
  it('gives the flags and positionals of a good command line', () => {
    const r = scriptArgs(['a', '--runs', '3', '--quick', '--out=x.json'], { runs: 'int', quick: 'bool', out: 'string' }, 'demo', 1);
    expect(r.positional).toEqual(['a']);
    expect(r.flags).toEqual({ runs: 3, quick: true, out: 'x.json' });
  });

  it('refuses a bad one with its one-line message and exit 2', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const cases: [string[], string][] = [
        [['--bogus'], 'demo: unknown flag --bogus (known: --runs)'],
        [['--runs'], 'demo: --runs needs a value'],
        [['--runs', 'x'], 'demo: --runs expects a non-negative integer (decimal digits), got "x"'],
        [['a', 'b'], 'demo: unexpected argument "b"'],
      ];
      for (const [argv, message] of cases) {
        error.mockClear();
        expect(() => scriptArgs(argv, { runs: 'int' }, 'demo', 1), argv.join(' ')).toThrow('exit 2');
        expect(error.mock.calls, argv.join(' ')).toEqual([[message]]);
      }
    } finally {
      exit.mockRestore();
      error.mockRestore();
    }
  });
});

describe('the scripts refuse a bad command line: one line, exit 2, nothing run', () => {
  it('bench/run.ts and bench/ours.ts, with their own checks after the flags', () => {
    refuses('bench/run.ts', ['--bogus'], /^bench: unknown flag --bogus \(known: --quick /);
    refuses('bench/run.ts', ['--runs', '0', '--quick'], /^bench: --runs expects a whole number from 1 to 9999, got 0$/);
    refuses('bench/run.ts', ['--configs=small,zz'], /^bench: --configs: unknown bench config 'zz' \(known: small, medium, large, /);
    refuses('bench/run.ts', ['--equality', '--instructions'], /^bench: --equality and --instructions are two different runs: give one$/);
    refuses('bench/run.ts', ['--quick', '--tolerance', '5'], /^bench: --baseline and --tolerance go with --instructions$/);
    refuses('bench/run.ts', ['--instructions', '--quick', '--baseline', '/nonexistent/run.json'], /^bench: --baseline \/nonexistent\/run\.json: cannot be read \(ENOENT\)$/);
    refuses(
      'bench/run.ts',
      ['--instructions', '--quick', '--fast-path', '--baseline', 'bench/results/instructions.json'],
      /^bench: --baseline .*instructions\.json: field fastPath: the run's steps took the general path for each worker's first 1,048,576 steps, or until a level holds 262,144 of them, then the generated fast path \(docs\/architecture\.md §2\.5\), this one's the generated fast path from the first step \(--fast-path\)$/,
    );
    refuses('bench/run.ts', ['--quick', '--fast-path', '--no-fast-path'], /^bench: --fast-path and --no-fast-path together$/);
    refuses('bench/run.ts', ['--instructions', '--split-steps'], /^bench: --split-steps goes with the timed runs, not --instructions, --equality or --scaling-only$/);
    refuses('bench/ours.ts', ['small', '--fast-path', '--no-fast-path'], /^ours: --fast-path and --no-fast-path together$/);
    refuses('bench/ours.ts', ['small', '--symmetry', 'yes'], /^ours: --symmetry expects on or off, got 'yes'$/);
    refuses('bench/ours.ts', ['small', '--record-steps', 'a.rec', '--replay-steps', 'b.rec'], /^ours: --record-steps and --replay-steps together$/);
    refuses('bench/ours.ts', ['small', '--workers', '2', '--replay-steps', 'b.rec'], /^ours: --record-steps and --replay-steps search on this thread: no --workers$/);
    refuses('bench/ours.ts', ['small', '--repeat', '0'], /^ours: --repeat expects a positive integer, got 0$/);
    refuses('bench/ours.ts', ['small', '--levels', '--repeat', '2'], /^ours: one of --record-steps or --replay-steps, --levels, --repeat and --setup-only at a time$/);
    refuses('bench/ours.ts', ['small', '--levels', '--record-steps', 'a.rec'], /^ours: one of --record-steps or --replay-steps, --levels, --repeat and --setup-only at a time$/);
    refuses('bench/ours.ts', ['small', '--repeat', '2', '--workers', '2'], /^ours: --levels and --repeat search on this thread: no --workers$/);
  });

  it('bench/ours.ts: a record of steps that cannot be read, written or used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steps-'));
    try {
      refuses('bench/ours.ts', ['small', '--replay-steps', join(dir, 'none.rec')], /^ours: --replay-steps .*none\.rec: cannot be read \(ENOENT\)$/);
      refuses('bench/ours.ts', ['small', '--record-steps', join(dir, 'no', 'such.rec')], /^ours: --record-steps .*such\.rec: cannot be written \(ENOENT\)$/);
      const zeros = join(dir, 'zeros.rec');
      writeFileSync(zeros, new Uint8Array(64));
      refuses('bench/ours.ts', ['small', '--replay-steps', zeros], /^ours: --replay-steps .*zeros\.rec: not a record of steps \(no STEP header\)$/);
      expect(readdirSync(dir).sort()).toEqual(['zeros.rec']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scripts/ and kernel/', () => {
    refuses('scripts/fuzz.ts', ['--only', 'nope'], /^fuzz: unknown property 'nope' for --only \(known: logs, /);
    refuses('scripts/results.ts', ['--bogus'], /^results: unknown flag --bogus/);
    refuses('scripts/diagrams.ts', ['--chek'], /^diagrams: unknown flag --chek \(known: --check\)$/);
    refuses('kernel/conformance-table.ts', ['--scenario'], /^kernel:table: unknown flag --scenario \(known: --scenarios\)$/);
    refuses('kernel/compare-kernels.ts', ['a', 'b', 'c'], /^compare-kernels: unexpected argument "c"$/);
  });
});
