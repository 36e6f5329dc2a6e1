/**
 * Issue 17's examples, one test each: hostile input, full disks and signals end with a
 * documented exit code and one line naming the file, line and field, never exit 70, never a
 * lost or truncated file, never nonsense accepted. (The fuzz suite, test/fuzz/, covers the
 * kinds these are examples of.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { writeOutput } from '../../src/cli/output.ts';
import { InputError, parseLog, replayLog, runCommands } from '../../src/index.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { TRACKED } from '../../src/state/design.ts';
import { runAndSignal } from '../fuzz/signals.ts';
import { memIo } from '../support/io.ts';

const F = 'test/fixtures/';
const CLEAN = fs.readFileSync(F + 'logs/clean.ndjson', 'utf8');
const [HEADER, ...EVENTS] = CLEAN.trimEnd().split('\n');
const RECORDING = fs.readFileSync(F + 'kernel/6.1.192/munmap_whole.ndjson', 'utf8').trimEnd().split('\n');
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const dir = fs.mkdtempSync(join(tmpdir(), 'pfnmap-hostile-'));

/** Run the CLI in-process on files given in memory. */
const cli = async (argv: string[], files: Record<string, string | Uint8Array> = {}) => {
  const m = memIo();
  for (const [p, c] of Object.entries(files)) (typeof c === 'string' ? m.files.set(p, c) : m.bytes.set(p, c));
  const code = await run(argv, m.io);
  return { code, out: m.out, err: m.err.filter((l) => l !== ''), files: m.files };
};

/** Run bin/pfnmap.js. */
const bin = (args: string[], opts: Parameters<typeof spawnSync>[2] = {}) =>
  spawnSync(process.execPath, ['bin/pfnmap.js', ...args], { encoding: 'utf8', timeout: 120_000, ...opts }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

/** One line on stderr matching re, no stack trace, no raw control byte. */
const oneLine = (err: readonly string[], re: RegExp) => {
  expect(err).toHaveLength(1);
  expect(err[0]).toMatch(re);
  expect(err[0]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\n\s+at /);
};

describe('exit 70 on input', () => {
  it('a value nested 5,000 levels deep in an event field is exit 2 naming the line and field', async () => {
    const r = await cli(['replay', 'deep.ndjson'], { 'deep.ndjson': [HEADER, `{"type":"mmput","pid":${deep(5000)}}`].join('\n') });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: deep\.ndjson:line 2, field 'pid': bad JSON at column 86: nested deeper than 64 levels$/);
  });
  it('... in a log header', async () => {
    const r = await cli(['replay', 'deep.ndjson'], { 'deep.ndjson': `{"format":"pfnmap-events","version":1,"design":"tracked","config":{"devmemModes":${deep(5000)}}}\n` });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: deep\.ndjson:line 1, field 'config\.devmemModes': bad JSON at column \d+: nested deeper than 64 levels$/);
  });
  it('... in a recording', async () => {
    const rec = [RECORDING[0], RECORDING[1], RECORDING[2].replace('"pid":1,', `"pid":${deep(5000)},`), ...RECORDING.slice(3)].join('\n');
    const r = await cli(['conform', 'deep.ndjson'], { 'deep.ndjson': rec });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: deep\.ndjson:line 3, field 'pid': bad JSON at column 80: nested deeper than 64 levels$/);
  });
  it('... in a --config file', async () => {
    const r = await cli(['check', '--config', 'deep.json'], { 'deep.json': `{\n  "name": "deep",\n  "procs": ${deep(5000)}\n}\n` });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: deep\.json:line 3, field 'procs': bad JSON at column 75: nested deeper than 64 levels$/);
  });
  it('an input file over 512 MiB is streamed: its first line past the limit is exit 2, read in about a second', async () => {
    // a sparse file: the log, then 600 MiB of zero bytes (no newline: one line past the limit)
    const p = join(dir, 'big.ndjson');
    fs.writeFileSync(p, CLEAN);
    fs.truncateSync(p, 600 * 1024 * 1024);
    const t0 = performance.now();
    const r = await cli(['replay', p]);
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: .*big\.ndjson:line 16: line longer than 1,048,576 characters \(the limit of an input line\)$/);
    expect(performance.now() - t0).toBeLessThan(10_000);
    fs.rmSync(p);
  });
  it('--out on a full disk (/dev/full) is exit 2 with one line, and the verdict is still printed', () => {
    const r = bin(['check', '--config', 'tiny', '--design', 'legacy@v6.1', '--out', '/dev/full']);
    expect(r.status).toBe(2);
    oneLine(r.stderr.trimEnd().split('\n'), /^pfnmap: cannot write \/dev\/full: no space left on the device \(ENOSPC\)$/);
    expect(r.stdout).toMatch(/^VIOLATION of no-invalid-free/m);
  });
});

describe('a file lost', () => {
  afterEach(() => vi.restoreAllMocks());
  it('--out over an existing file replaces it whole (temporary file, fsync, rename), keeping its mode', () => {
    const p = join(dir, 'trace.ndjson');
    fs.writeFileSync(p, 'old content\n', { mode: 0o640 });
    fs.chmodSync(p, 0o640);
    writeOutput(p, 'new content\n');
    expect(fs.readFileSync(p, 'utf8')).toBe('new content\n');
    expect(fs.statSync(p).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('a write that fails midway (a full disk) leaves the old file as it was and no temporary file', () => {
    const p = join(dir, 'kept.ndjson');
    fs.writeFileSync(p, 'the old trace\n');
    let calls = 0;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...a: Parameters<typeof fs.writeSync>) => {
      if (++calls > 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (real as (...x: unknown[]) => number)(a[0], a[1], a[2], Math.min(3, Number(a[3])));
    }) as typeof fs.writeSync);
    expect(() => writeOutput(p, 'a new trace, longer than three bytes\n')).toThrow(/^cannot write .*kept\.ndjson: no space left on the device \(ENOSPC\)$/);
    expect(calls).toBeGreaterThan(1);
    expect(fs.readFileSync(p, 'utf8')).toBe('the old trace\n');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('--out /dev/stdout with stdout redirected to a file: the report, then the trace, neither lost (not a rename over the file)', () => {
    const p = join(dir, 'both.txt');
    const fd = fs.openSync(p, 'w');
    const r = bin(['check', '--config', 'tiny', '--design', 'legacy@v6.1', '--out', '/dev/stdout'], { stdio: ['ignore', fd, 'pipe'] });
    fs.closeSync(fd);
    expect(r.status).toBe(1);
    const text = fs.readFileSync(p, 'utf8');
    const at = (re: RegExp) => text.split('\n').findIndex((l) => re.test(l));
    expect(at(/^VIOLATION of no-invalid-free/)).toBeGreaterThan(0);
    expect(at(/^\{"format":"pfnmap-events"/)).toBeGreaterThan(at(/^VIOLATION/));
    expect(at(/^ {2}trace written to \/dev\/stdout/)).toBeGreaterThan(at(/^\{"format"/));
    expect(parseLog(text.slice(text.indexOf('{"format"'), text.indexOf('  trace written'))).events.length).toBeGreaterThan(3);
  });
  it('--out into a missing directory is found before the search (no search, no report)', async () => {
    const t0 = performance.now();
    const r = await cli(['check', '--config', 'medium', '--out', join(dir, 'no/such/dir/trace.ndjson')]);
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: cannot write .*no\/such\/dir\/trace\.ndjson: no such directory \(ENOENT\)$/);
    expect(r.out).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('signals', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('%s stops a search like Ctrl-C: the STOPPED report with its figures, exit 4, no temporary file left', async (signal) => {
    const r = await runAndSignal(['check', '--config', 'medium', '--workers', '2', '--fingerprint'], signal, 4000);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^STOPPED at the interrupt \(Ctrl-C, SIGTERM or SIGHUP\): no violation among [\d,]+ states so far \(not a proof\)$/m);
    expect(r.stdout).toMatch(/^ {2}states: [\d,]+ distinct, [\d,]+ generated, depth \d+/m);
    expect(r.stdout).toMatch(new RegExp(`^  stopped by ${signal}$`, 'm'));
    expect(r.stderr).toBe('');
    expect(r.left).toEqual([]);
  });
});

describe('wrongly accepted', () => {
  it('--invariants , is exit 2 (check said PROVED about nothing, replay OK)', async () => {
    const c = await cli(['check', '--config', 'tiny', '--design', 'legacy@v6.1', '--invariants', ',']);
    expect(c.code).toBe(2);
    oneLine(c.err, /^pfnmap: --invariants: no invariant named in "," \(pfnmap list names them\)$/);
    const r = await cli(['replay', F + 'logs/double-free.ndjson', '--invariants', ',']);
    expect(r.code).toBe(2);
    const q = await cli(['check', '--config', 'tiny', '--design', 'legacy@v6.1', '--invariants', 'kref-exact']);
    expect(q.code).toBe(2);
    oneLine(q.err, /^pfnmap: --invariants: kref-exact does not apply to design legacy@v6\.1/);
  });
  it.each([['--depth='], ['--depth', ' '], ['--depth', ''], ['--depth', '1e3'], ['--depth', '0x10'], ['--depth', '99999999999999999999']])('%j is exit 2, not depth 0', async (...flag) => {
    const r = await cli(['check', '--config', 'tiny', ...flag]);
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: check: --depth (needs a value|expects a non-negative integer \(decimal digits\), got ".*")$/);
  });
  it('the library refuses an unknown invariant name (and a TypeError-prone value) with InputError naming the field', () => {
    const log = parseLog(CLEAN);
    expect(() => replayLog(log, ['no-such'])).toThrow(InputError);
    expect(() => replayLog(log, ['no-such'])).toThrow(/^field 'invariants': unknown invariant "no-such"/);
    expect(() => replayLog(log, [])).toThrow(/^field 'invariants': expected a non-empty array/);
    expect(() => replayLog({ ...log, design: 'nope' } as never)).toThrow(/^field 'design': unknown design "nope"/);
    expect(() => replayLog({ ...log, events: [{ type: 'mmput' }], lines: [2] } as never)).toThrow(/^line 2, field 'pid': expected number, got undefined$/);
    expect(replayLog(log, ['kref-exact']).invariants).toEqual(['kref-exact']);
  });
  it('a write error on stdout (>/dev/full) is exit 2 with one line, not exit 0 with the report lost; so is a closed pipe', () => {
    const full = fs.openSync('/dev/full', 'w');
    const r = bin(['check', '--config', 'tiny', '--design', 'legacy@v6.1'], { stdio: ['ignore', full, 'pipe'] });
    fs.closeSync(full);
    expect(r.status).toBe(2);
    oneLine(r.stderr.trimEnd().split('\n'), /^pfnmap: cannot write the standard output: no space left on the device \(ENOSPC\); the output is incomplete$/);
    // the reader is gone before the first write
    const p = spawnSync('bash', ['-c', `"${process.execPath}" bin/pfnmap.js list | true; echo "exit \${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    oneLine(p.stderr.trimEnd().split('\n'), /^pfnmap: cannot write the standard output: the reader closed the pipe \(EPIPE\); the output is incomplete$/);
    expect(p.stdout).toBe('exit 2\n');
  });
  it('a negative length (a size_t the model cannot hold) is refused at its field, in a recording, a log and the library, never run', async () => {
    // the fuzz suite found it: conform ran MAP_FIXED with len -2^42 at W+2^42 and looked for the
    // VMA's start one page at a time, for ever
    const rec = RECORDING.map((l, i) => (i === 2 ? l.replace('"len":8192', '"len":-4398046511104') : l)).join('\n');
    const c = await cli(['conform', 'r.ndjson'], { 'r.ndjson': rec });
    expect(c.code).toBe(2);
    oneLine(c.err, /^pfnmap: r\.ndjson:line 3, field 'cmd\.len': .*a whole number from 0 up/);
    const r = await cli(['replay', 'l.ndjson'], { 'l.ndjson': [HEADER, EVENTS[0].replace('"len":8192', '"len":-8192'), ...EVENTS.slice(1)].join('\n') });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: l\.ndjson:line 2, field 'cmd\.len': expected a whole number from 0 up, got -8192$/);
    const u = NAMED_CONFIGS.tiny.universe;
    const bad = { kind: 'ioremap', pfn: u.physBasePfn, nrPages: -1, cacheMode: 'UC-' };
    expect(() => runCommands(u, TRACKED, [bad as never])).toThrow(InputError);
  });
  it('diff of an empty command list is exit 2, not "no difference"', async () => {
    const r = await cli(['diff', 'c.json'], { 'c.json': '[]' });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: diff: "c\.json" holds no command: nothing to compare$/);
  });
  it('a log header without config is exit 2 (logs are self-contained), as is an unknown header field', async () => {
    const r = await cli(['replay', 'h.ndjson'], { 'h.ndjson': ['{"format":"pfnmap-events","version":1,"design":"tracked"}', ...EVENTS].join('\n') });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: h\.ndjson:line 1, field 'config': missing: a log names its config/);
    const u = await cli(['replay', 'h.ndjson'], { 'h.ndjson': [HEADER.replace('{', '{"comment":"x",'), ...EVENTS].join('\n') });
    oneLine(u.err, /^pfnmap: h\.ndjson:line 1, field 'comment': unknown field of the header \(known: format, version, design, config\)$/);
  });
  it('a duplicate JSON key is exit 2 naming the line and the field (not last-wins)', async () => {
    const r = await cli(['replay', 'd.ndjson'], { 'd.ndjson': [HEADER, EVENTS[0].replace('"len":8192', '"len":8192,"len":4096'), ...EVENTS.slice(1)].join('\n') });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: d\.ndjson:line 2, field 'cmd\.len': bad JSON at column \d+: duplicate key 'len' \(JSON\.parse would keep the last one\)$/);
  });
  it('conform refuses unknown fields as replay does', async () => {
    for (const [line, edit, field] of [
      [0, (l: string) => l.replace('{', '{"extra":1,'), 'extra'],
      [1, (l: string) => l.replace('"model":{', '"model":{"extra":1,'), 'model.extra'],
      [2, (l: string) => l.replace('"cmd":{', '"cmd":{"extra":1,'), 'cmd.extra'],
      [2, (l: string) => l.replace('"expect":{', '"expect":{"extra":1,'), 'expect.extra'],
    ] as const) {
      const rec = RECORDING.map((l, i) => (i === line ? edit(l) : l)).join('\n');
      const r = await cli(['conform', 'r.ndjson'], { 'r.ndjson': rec });
      expect(r.code).toBe(2);
      oneLine(r.err, new RegExp(`^pfnmap: r\\.ndjson:line ${line + 1}, field '${field.replace('.', '\\.')}': unknown field`));
    }
  });
});

describe('messages', () => {
  it('a directory given as input is named', async () => {
    const r = await cli(['replay', dir]);
    expect(r.code).toBe(2);
    oneLine(r.err, new RegExp(`^pfnmap: ${dir}: is a directory \\(expected a file\\)$`));
  });
  it("a recording's unknown model.design names the line and the field, not a --design flag", async () => {
    const rec = RECORDING.map((l, i) => (i === 1 ? l.replace('"design":"legacy@stable-6.1"', '"design":"legacy@v5"') : l)).join('\n');
    const r = await cli(['conform', 'r.ndjson'], { 'r.ndjson': rec });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: r\.ndjson:line 2, field 'model\.design': unknown design "legacy@v5" \(known: /);
  });
  it('an unknown command kind is a short message naming cmd.kind, not a dump of the Command type', async () => {
    const r = await cli(['replay', 'k.ndjson'], { 'k.ndjson': [HEADER, EVENTS[0].replace('"kind":"mmap"', '"kind":"mmapp"'), ...EVENTS.slice(1)].join('\n') });
    expect(r.code).toBe(2);
    oneLine(r.err, /^pfnmap: k\.ndjson:line 2, field 'cmd\.kind': expected a command kind \(mmap, munmap, .*\), got "mmapp"$/);
    expect(r.err[0].length).toBeLessThan(300);
    const c = await cli(['conform', 'r.ndjson'], { 'r.ndjson': RECORDING.map((l, i) => (i === 2 ? l.replace('"kind":"mmap"', '"kind":"mmapp"') : l)).join('\n') });
    oneLine(c.err, /^pfnmap: r\.ndjson:line 3, field 'cmd\.kind': not a model command: expected a command kind/);
    expect(c.err[0].length).toBeLessThan(300);
  });
  it('raw input bytes (NUL, terminal escape sequences) are never echoed: they are escaped', async () => {
    // an escape sequence given as a JSON escape (valid JSON), then quoted in the message
    const a = await cli(['replay', 'e.ndjson'], { 'e.ndjson': [HEADER, '{"type":"\\u001b[2J\\u0000x"}'].join('\n') });
    oneLine(a.err, /^pfnmap: e\.ndjson:line 2, field 'type': unknown event type "\\u001b\[2J\\u0000x"$/);
    // raw bytes in the file: not JSON at all
    const b = await cli(['replay', 'e.ndjson'], { 'e.ndjson': new TextEncoder().encode([HEADER, '{"type":"\u001b[2J"}'].join('\n')) });
    oneLine(b.err, /^pfnmap: e\.ndjson:line 2, field 'type': bad JSON at column 10: raw control character U\+001b in a string/);
    // in a file name, a flag's value, a config's name
    const c = await cli(['replay', 'x\u001b[2J.ndjson']);
    oneLine(c.err, /^pfnmap: x\\u001b\[2J\.ndjson: no such file$/);
    const d = await cli(['check', '--design', 'x\u009b2J\u0000']);
    oneLine(d.err, /^pfnmap: --design: unknown design "x\\u009b2J\\u0000"/);
    const e = await cli(['check', '--config', 'n.json'], { 'n.json': '{"name":"a\\u001b[31mb"}' });
    oneLine(e.err, /^pfnmap: n\.json:line 1, field 'name': expected text of at most 200 characters, no control characters, got "a\\u001b\[31mb"$/);
  });
});
