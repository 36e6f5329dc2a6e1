import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { parseLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { memIo } from '../support/io.ts';

const F = 'test/fixtures/logs/';

describe('replay of hand-made logs', () => {
  it('a clean log replays clean', () => {
    const r = replay(parseLog(readFileSync(F + 'clean.ndjson', 'utf8')));
    expect(r.violation).toBeUndefined();
    expect(r.rejection).toBeUndefined();
    expect(r.steps).toBe(2);
    expect(r.finalState).toContain('memtype tree: empty');
  });
  it('a double free is a no-invalid-free violation at the second free (line 15)', () => {
    const r = replay(parseLog(readFileSync(F + 'double-free.ndjson', 'utf8')));
    expect(r.violation).toMatchObject({ invariant: 'no-invalid-free', line: 15, step: 2 });
    expect(r.violation!.message).toBe('memtype_free [mem 0xfe000000-0xfe001fff] failed: freeing invalid memtype');
  });
  it('a kref dropped twice is a kref-exact violation at the second put (line 15)', () => {
    const r = replay(parseLog(readFileSync(F + 'double-kref-put.ndjson', 'utf8')));
    expect(r.violation).toMatchObject({ invariant: 'kref-exact', line: 15, step: 2 });
    expect(r.violation!.message).toBe('ctx 1 has kref 0 but 1 VMA points to it (pid 1 0x7f000001000)');
  });
});

describe('pfnmap replay (CLI)', () => {
  const cli = async (...args: string[]) => {
    const m = memIo();
    const code = await run(['replay', ...args], m.io);
    return { code, ...m };
  };
  it('exits 0 on a clean log and 1 on a violation, naming event, line and invariant', async () => {
    expect((await cli(F + 'clean.ndjson')).code).toBe(0);
    const v = await cli(F + 'double-free.ndjson');
    expect(v.code).toBe(1);
    expect(v.out.join('\n')).toMatch(/VIOLATION of no-invalid-free at event 14 \(line 15, step 2\)/);
  });
  it('--json is machine-readable', async () => {
    const v = await cli(F + 'double-kref-put.ndjson', '--json');
    const j = JSON.parse(v.out.join('\n'));
    expect(j.result).toBe('violation');
    expect(j.violation.invariant).toBe('kref-exact');
    expect(j.violation.line).toBe(15);
  });
  it.each([
    ['truncated.ndjson', /truncated\.ndjson:line 3, field 'addr': bad JSON at column 46: expected ',' or '}', got the end of the input/],
    ['wrong-field-type.ndjson', /line 2, field 'cmd\.len': expected a whole number from 0 up, got "8192"/],
    ['unknown-event.ndjson', /line 2, field 'type': unknown event type "memtype_reserved"/],
    ['missing-header.ndjson', /line 1, field 'format': missing header/],
    ['cannot-apply.ndjson', /line 2, field 'addr': vm_area_free cannot apply: vm_area_free: no VMA at 0x7f000000000/],
    ['unknown-field.ndjson', /line 2, field 'color': unknown field for a kref_put event/],
  ])('bad input %s exits 2 with one line naming the line and field', async (file, re) => {
    const v = await cli(F + file);
    expect(v.code).toBe(2);
    expect(v.err).toHaveLength(1);
    expect(v.err[0]).toMatch(re);
    expect(v.err[0]).not.toMatch(/\n\s+at /);
  });
  it('a missing file or an unknown flag exits 2 with one line', async () => {
    const a = await cli('no/such/file.ndjson');
    expect(a.code).toBe(2);
    expect(a.err).toEqual(['pfnmap: no/such/file.ndjson: no such file']);
    const b = await cli(F + 'clean.ndjson', '--colour');
    expect(b.code).toBe(2);
    expect(b.err[0]).toMatch(/unknown flag --colour/);
  });
});
