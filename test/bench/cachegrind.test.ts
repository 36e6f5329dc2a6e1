/**
 * The bench's instruction count (bench/cachegrind.ts): the summary cachegrind prints is read
 * whole, a run without one or a failing run is an error, and the count of a run repeats (the
 * reason the bench uses it). The last two need valgrind, which the bench installs on
 * --install; without it they are skipped.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { countInstructions, instructionsIn } from '../../bench/cachegrind.ts';

const hasValgrind = !spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).error;

describe('instruction counts (bench/cachegrind.ts)', () => {
  it('reads the total of the summary line, thousands separators and all', () => {
    const output = [
      '==30234== Cachegrind, a cache and branch-prediction profiler',
      '==30234== Command: ./pan -m27523 -w16 -n',
      '--30234-- warning: L3 cache found, using its data for the LL simulation.',
      '==30234== ',
      '==30234== I   refs:      1,747,722,074',
    ].join('\n');
    expect(instructionsIn(output)).toBe(1_747_722_074);
    expect(instructionsIn('==7== I refs: 129,819\n')).toBe(129_819);
  });

  it('refuses an output without the summary (valgrind did not run the program to its end)', () => {
    expect(() => instructionsIn('valgrind: ./pan: No such file or directory\n')).toThrow(/no cachegrind summary/);
    // a count a program printed itself is not valgrind's
    expect(() => instructionsIn('I refs: 12\n')).toThrow(/no cachegrind summary/);
  });

  it.skipIf(!hasValgrind)('counts the same instructions for two runs of one program, and refuses a failing run', () => {
    const a = countInstructions('/bin/true', [], '/');
    const b = countInstructions('/bin/true', [], '/');
    expect(a.instructions).toBeGreaterThan(1000);
    expect(b.instructions).toBe(a.instructions);
    expect(() => countInstructions('/bin/false', [], '/')).toThrow(/exited 1/);
  });
});
