/**
 * The instruction bench's baseline (bench/instructionsBaseline.ts): the committed run reads
 * back as the figures it holds, a file that is not an --instructions run is refused with the
 * file and the field named, and the comparison judges ours/SPIN against the tolerance.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareToBaseline, readBaseline, type Baseline } from '../../bench/instructionsBaseline.ts';
import { FAST_PATH_AFTER } from '../../src/checker/model.ts';

const COMMITTED = new URL('../../bench/results/instructions.json', import.meta.url).pathname;

describe('the instruction baseline', () => {
  it('reads the committed run as the figures it holds', () => {
    const raw = JSON.parse(readFileSync(COMMITTED, 'utf8')) as { engine: { commit: string }; instructions: { config: { name: string }; spin: { instructions: number }; ours: { search: number } }[] };
    const b = readBaseline(COMMITTED);
    if ('error' in b) throw new Error(b.error);
    expect(b.commit).toBe(raw.engine.commit);
    expect(b.invariants).toBe(true);
    // the committed baseline ran as `pfnmap check` runs: the fast path after FAST_PATH_AFTER general steps
    expect(b.fastPath).toBe(FAST_PATH_AFTER);
    expect(b.rows).toEqual(raw.instructions.map((r) => ({ config: r.config.name, spin: r.spin.instructions, search: r.ours.search })));
    expect(b.rows.length).toBeGreaterThan(0);
  });

  it('refuses a file that is not an --instructions run, naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfnmap-baseline-'));
    const file = join(dir, 'run.json');
    const row = (name: unknown, spin: unknown, search: unknown) => ({ config: { name }, spin: { instructions: spin }, ours: { search } });
    const cases: [string, string][] = [
      ['{"instructions": [', `${file}: not JSON (`],
      ['[1, 2]', `${file}: not an object`],
      ['{"bench": []}', `${file}: field instructions: missing or not a list (not an --instructions run)`],
      ['{"invariants": true, "instructions": []}', `${file}: field instructions: no config`],
      [JSON.stringify({ invariants: true, instructions: [row('small', 10, 20), 7] }), `${file}: field instructions[1]: not an object`],
      [JSON.stringify({ invariants: true, instructions: [row('', 10, 20)] }), `${file}: field instructions[0].config.name: expected a config name`],
      [JSON.stringify({ invariants: true, instructions: [row('small', '10', 20)] }), `${file}: field instructions[0].spin.instructions: expected a positive whole number`],
      [JSON.stringify({ invariants: true, instructions: [row('small', 10, -1)] }), `${file}: field instructions[0].ours.search: expected a positive whole number`],
      [JSON.stringify({ invariants: true, instructions: [row('small', 10, 20), row('small', 10, 21)] }), `${file}: field instructions[1].config.name: small appears twice`],
      [JSON.stringify({ instructions: [row('small', 10, 20)] }), `${file}: field invariants: expected true or false`],
      [JSON.stringify({ invariants: true, fastPath: 0, instructions: [row('small', 10, 20)] }), `${file}: field fastPath: expected true, false or a number of general steps`],
      [JSON.stringify({ invariants: true, fastPath: 'yes', instructions: [row('small', 10, 20)] }), `${file}: field fastPath: expected true, false or a number of general steps`],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      const b = readBaseline(file);
      expect('error' in b ? b.error : 'read', text).toContain(message);
      expect('error' in b ? b.error.split('\n') : [], text).toHaveLength(1);
    }
    // a run that does not say how its steps ran took the general path only (the runs before e8723be)
    writeFileSync(file, JSON.stringify({ invariants: true, instructions: [row('small', 10, 20)] }));
    expect(readBaseline(file)).toMatchObject({ fastPath: false });
    expect(readBaseline(join(dir, 'none.json'))).toEqual({ error: `${join(dir, 'none.json')}: cannot be read (ENOENT)` });
  });

  it('judges ours/SPIN against the tolerance, config by config', () => {
    const base: Baseline = {
      file: 'b.json',
      commit: 'c0ffee',
      date: '2026-12-04',
      invariants: true,
      fastPath: false,
      rows: [
        { config: 'small', spin: 1000, search: 4000 },
        { config: 'medium', spin: 2000, search: 6000 },
        { config: 'large', spin: 5000, search: 5000 },
      ],
    };
    const cmp = compareToBaseline(
      base,
      [
        { config: 'medium', spin: 2000, search: 6300 }, // +5 %: more than 3
        { config: 'small', spin: 1000, search: 4080 }, // +2 %: within
        { config: 'tiny', spin: 10, search: 10 }, // not in the baseline: left out
        { config: 'large', spin: 5500, search: 4950 }, // pan moved; the ratio fell 10 %
      ],
      3,
    );
    expect(cmp.map((c) => c.config)).toEqual(['medium', 'small', 'large']);
    const [medium, small, large] = cmp;
    expect(medium.ratioBefore).toBe(3);
    expect(medium.ratioNow).toBeCloseTo(3.15, 12);
    expect(medium.change).toBeCloseTo(5, 10);
    expect(medium.worse).toBe(true);
    expect(small.change).toBeCloseTo(2, 10);
    expect(small.worse).toBe(false);
    expect(small.spinMoved).toBe(false);
    expect(large.spinMoved).toBe(true);
    expect(large.change).toBeCloseTo(-10, 10);
    expect(large.worse).toBe(false);
    // the same run against itself: no change
    expect(compareToBaseline(base, base.rows, 0).every((c) => c.change === 0 && !c.worse)).toBe(true);
  });
});
