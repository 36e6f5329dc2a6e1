/**
 * The bench's command line (bench/run.ts, bench/ours.ts): a bad flag, a flag without its
 * value, a count that is not one or an unknown config is one line on stderr and exit 2,
 * before anything runs (no SPIN, no search, no file written).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('the bench refuses a bad command line', () => {
  it('bench/run.ts: one line naming the flag, exit 2, nothing run', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /^bench: unknown argument '--bogus' \(usage: /],
      [['--runs'], /^bench: --runs expects a value$/],
      [['--runs', '0', '--quick'], /^bench: --runs expects a whole number from 1 to 9999, got '0'$/],
      [['--configs', '--quick'], /^bench: --configs expects a value$/],
      [['--configs=small,zz'], /^bench: --configs: unknown bench config 'zz' \(known: small, medium, large, /],
      [['--equality', '--instructions'], /^bench: --equality and --instructions are two different runs: give one$/],
    ];
    for (const [args, message] of cases) {
      const r = run('bench/run.ts', args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd(), args.join(' ')).toMatch(message);
    }
  });

  it('bench/ours.ts: an unknown config is one line and exit 2', () => {
    const r = run('bench/ours.ts', ['zz', '--symmetry', 'off']);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(/^ours: unknown bench config 'zz' \(known: [^\n]*\)$/);
  });
});
