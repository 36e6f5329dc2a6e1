import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { parseLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { NAMED_CONFIGS, type Pin } from '../../src/checker/configs.ts';
import { memIo } from '../support/io.ts';

const cli = async (...args: string[]) => {
  const m = memIo();
  const code = await run(args, m.io);
  return { code, ...m };
};

describe('pfnmap check', () => {
  it('PROVED exits 0 and says what was proved', async () => {
    const r = await cli('check', '--config', 'tiny');
    expect(r.code).toBe(0);
    expect(r.out[1]).toMatch(/^PROVED: all 16 reachable states keep every checked safety invariant \(vma-no-overlap, .*kref-exact\)$/);
    expect(r.out.join('\n')).toMatch(/storage: exact/);
    expect(r.out.join('\n')).toMatch(/quality invariant tracking-precise broken/);
  });
  it('VIOLATION exits 1, prints the shortest trace and writes a log replay reproduces', async () => {
    const r = await cli('check', '--config', 'tiny', '--design', 'legacy@v6.1', '--out', 'trace.ndjson');
    expect(r.code).toBe(1);
    expect(r.out[1]).toBe('VIOLATION of no-invalid-free: memtype_free [mem 0xfe000000-0xfe000fff] failed: freeing invalid memtype');
    expect(r.out.join('\n')).toMatch(/x86\/PAT: freeing invalid memtype \[mem 0xfe000000-0xfe000fff\]/);
    const rep = replay(parseLog(r.files.get('trace.ndjson')!));
    expect(rep.violation?.invariant).toBe('no-invalid-free');
  });
  it('a depth bound exits 3, a state limit 4', async () => {
    expect((await cli('check', '--config', 'split3', '--depth', '2')).code).toBe(3);
    const s = await cli('check', '--config', 'split3', '--max-states', '50');
    expect(s.code).toBe(4);
    expect(s.out[1]).toMatch(/^STOPPED at the states limit/);
    const m = await cli('check', '--config', 'split3', '--max-memory', '1');
    expect(m.code).toBe(4);
    expect(m.out[1]).toMatch(/^STOPPED at the memory limit/);
    expect(m.out).toContain('  memory limit: 1 MB (--max-memory); --fingerprint or a smaller config needs less');
  });
  it('--fingerprint runs one worker with its queue and links on disk; an unusable TMPDIR is one line, exit 2', async () => {
    const ok = await cli('check', '--config', 'medium', '--fingerprint', '--max-states', '40000');
    expect(ok.code).toBe(4);
    expect(ok.out.join('\n')).toMatch(/storage: fingerprint .*\n.*states: 40,0\d\d distinct.*queue and trace links written to disk \d/);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/pfnmap-tmp';
    try {
      const bad = await cli('check', '--config', 'medium', '--fingerprint', '--max-states', '40000');
      expect(bad.code).toBe(2);
      expect(bad.err).toEqual([
        'pfnmap: fingerprint mode: creating a directory in /nonexistent/pfnmap-tmp failed: ENOENT (its trace links and queue go to temporary files; TMPDIR chooses their directory)',
      ]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
  it("a whole search of a named config that drifts from its pin exits 5, naming the config and both counts", async () => {
    const pins = NAMED_CONFIGS.tiny.pins as Record<string, Pin>;
    const saved = pins.tracked;
    pins.tracked = { ...saved, distinct: saved.distinct + 1 };
    try {
      const r = await cli('check', '--config', 'tiny');
      expect(r.code).toBe(5);
      expect(r.err).toEqual([
        'pin drift: config tiny, design tracked: pinned PROVED, 17 distinct states, depth 3; this run PROVED, 16 distinct states, depth 3 (src/checker/configs.ts)',
      ]);
      // the alias of the pinned name is the same design: its pin holds for it
      expect((await cli('check', '--config', 'tiny', '--design', 'tracked@v6.16')).code).toBe(5);
      expect((await cli('check', '--config', 'tiny', '--design', 'tracked@v6.19')).code).toBe(0);
      // a bounded or partial search is not compared: it cannot drift
      expect((await cli('check', '--config', 'tiny', '--depth', '2')).code).toBe(3);
      expect((await cli('check', '--config', 'tiny', '--invariants', 'no-warn')).code).toBe(0);
    } finally {
      pins.tracked = saved;
    }
    const ok = await cli('check', '--config', 'tiny');
    expect([ok.code, ok.err]).toEqual([0, []]);
    // without symmetry reduction the other pin is the one compared
    const off = NAMED_CONFIGS.tiny.pinsNoSymmetry as Record<string, Pin>;
    const savedOff = off.tracked;
    off.tracked = { ...savedOff, depth: 7 };
    try {
      const r = await cli('check', '--config', 'tiny', '--no-symmetry');
      expect(r.code).toBe(5);
      expect(r.err[0]).toMatch(/^pin drift: config tiny, design tracked, no symmetry: pinned PROVED, 24 distinct states, depth 7; this run PROVED, 24 distinct states, depth 6/);
    } finally {
      off.tracked = savedOff;
    }
  });
  it('--json gives the result as data', async () => {
    const r = await cli('check', '--config', 'tiny', '--json');
    const j = JSON.parse(r.out.join('\n'));
    expect(j.verdict).toBe('PROVED');
    expect(j.distinct).toBe(16);
  });
  it('a config file works, bad ones exit 2 with one line naming the field', async () => {
    expect((await cli('check', '--config', 'test/fixtures/configs/tiny2.json')).code).toBe(0);
    const a = await cli('check', '--config', 'test/fixtures/configs/bad-type.json');
    expect(a.code).toBe(2);
    expect(a.err).toEqual(["pfnmap: test/fixtures/configs/bad-type.json:line 1, field 'procs': expected integer in [1, 4], got \"two\""]);
    const b = await cli('check', '--config', 'test/fixtures/configs/unknown-field.json');
    expect(b.err[0]).toMatch(/:line 1, field 'commands\.mlock': unknown field \(known: mmapDevmem, /);
    const c = await cli('check', '--config', 'test/fixtures/configs/too-large.json');
    expect(c.err[0]).toMatch(/field 'procs': expected integer in \[1, 4\], got 9/);
  });
  it('unknown designs, invariants, flags and mutants exit 2', async () => {
    expect((await cli('check', '--design', 'legacy@v5')).err[0]).toMatch(/--design: unknown design/);
    expect((await cli('check', '--invariants', 'no-such')).err[0]).toMatch(/unknown invariant "no-such"/);
    expect((await cli('check', '--fast')).err[0]).toMatch(/unknown flag --fast/);
    const both = await cli('check', '--fast-path', '--no-fast-path');
    expect(both.code).toBe(2);
    expect(both.err).toEqual(['pfnmap: check: --fast-path and --no-fast-path together']);
    expect((await cli('check', '--mutant', 'x')).err[0]).toMatch(/unknown mutant "x"/);
    expect((await cli('nosuch')).code).toBe(2);
  });
  it('the report says how the steps ran: by default the fast path after each worker\'s first 2^20 steps or a level of 2^18', async () => {
    const steps = async (...flags: string[]) => (await cli('check', '--config', 'tiny', ...flags)).out.find((l) => l.includes('; steps: '))!.replace(/.*; steps: /, '');
    expect(await steps()).toBe("the general path for each worker's first 1,048,576 steps, or until a level holds 262,144 of them, then the generated fast path (docs/architecture.md §2.5)");
    expect(await steps('--fast-path')).toBe('the generated fast path from the first step (--fast-path)');
    expect(await steps('--no-fast-path')).toBe('the general path only (--no-fast-path)');
  });
  it('--mutant runs a seeded bug', async () => {
    const r = await cli('check', '--config', 'split3', '--mutant', 'dup-without-get', '--invariants', 'kref-exact');
    expect(r.code).toBe(1);
    expect(r.out[1]).toMatch(/^VIOLATION of kref-exact: /);
  });
});

describe('pfnmap diff and scenario', () => {
  it('diff of munmap_split shows the leak on legacy and the clean teardown on tracked', async () => {
    const r = await cli('diff', '--designs', 'legacy@v6.15,tracked', 'munmap_split');
    expect(r.code).toBe(1);
    const text = r.out.join('\n');
    expect(text).toMatch(/≠ 5\. pid 1: munmap\(0x7f000004000, 0x2000\)/);
    expect(text).toMatch(/legacy@v6\.15 +=  ?0\n +memtype: \[mem 0xfe000000-0xfe000fff\] WB\n +broken here: memtype-no-leak/);
    expect(text).toMatch(/tracked +=  ?0\n +memtype: empty/);
    expect(r.out.at(-1)).toBe('2 of 5 steps differ');
  });
  it('diff of two identical designs exits 0', async () => {
    expect((await cli('diff', '--designs', 'tracked,tracked', 'fork')).code).toBe(0);
  });
  it('scenario writes the log and judges it', async () => {
    const r = await cli('scenario', 'munmap_split', '--design', 'legacy@v6.1', '--out', 'x.ndjson');
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toMatch(/VIOLATION of memtype-no-leak at step 5/);
    expect(parseLog(r.files.get('x.ndjson')!).events.length).toBeGreaterThan(20);
  });
  it('simulate runs the default suite\'s first config unless told (a suite is refused: it takes one config)', async () => {
    const r = await cli('simulate', '--walks', '3', '--steps', '5', '--seed', '1');
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('pfnmap simulate: design tracked, config main, seed 1: 3 walks, 15 steps');
    const s = await cli('simulate', '--config', 'default');
    expect(s.code).toBe(2);
    expect(s.err).toEqual(['pfnmap: --config: default is a suite of configs (main, cow, kernel): this command takes one of them']);
  });
  it('list names every design preset, config, invariant, mutant and scenario', async () => {
    const r = await cli('list');
    const t = r.out.join('\n');
    for (const s of ['legacy@v6.15-rc1', 'precise', 'split3', 'kref-exact', 'dup-without-get', 'mremap_expand']) expect(t).toContain(s);
  });
});

describe('pfnmap CMD --help', () => {
  it("prints the command's usage and the exit codes, exit 0, whatever else is on the line", async () => {
    for (const [cmd, line] of [
      ['check', /^ {2}check {5}\[--design D\]/m],
      ['replay', /^ {2}replay {4}LOG\.ndjson/m],
      ['diff', /^ {2}diff {6}--designs A,B/m],
      ['list', /^ {2}list {6}designs, configs/m],
    ] as const) {
      for (const args of [[cmd, '--help'], [cmd, 'x.ndjson', '-h', '--bogus']]) {
        const r = await cli(...args);
        expect(r.code, args.join(' ')).toBe(0);
        const text = r.out.join('\n');
        expect(text).toMatch(/^usage: pfnmap\n/);
        expect(text).toMatch(line);
        expect(text).toContain('exit codes: 0 ok / PROVED');
        // only this command's lines
        expect(text.match(/^ {2}[a-z]+ {2,}/gm)).toHaveLength(1);
        expect(r.err).toEqual([]);
      }
    }
    // an unknown command with --help is still an unknown command
    expect((await cli('chek', '--help')).code).toBe(2);
  });
});
