/**
 * `pfnmap conform`: the recorded corpus (test/fixtures/kernel, Debian 6.1.192 under QEMU)
 * against the legacy preset of that kernel, the kernel-log parser, the comparison's
 * sensitivity (a tampered recording diverges at the right step and aspect), the reader's
 * errors (file, line, field; never a stack trace) and the exit codes.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { conform } from '../../src/conform/compare.ts';
import { parseKlogLine } from '../../src/conform/klog.ts';
import { kernelDiff } from '../../src/conform/kdiff.ts';
import { KNOWN_DIVERGENCES } from '../../src/conform/known.ts';
import { parseRecorded, RecordedError } from '../../src/conform/recorded.ts';
import { corpus } from '../../src/repro/corpus.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { memIo } from '../support/io.ts';

const ROOT = new URL('../fixtures/kernel/', import.meta.url).pathname;
/** kernel/kernels.tsv: each recorded kernel's version and the preset its runs are judged against */
const KERNELS = readFileSync(new URL('../../kernel/kernels.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .map(([version, pkg, , , preset]) => ({ version, pkg, preset }));
const RECORDED = readdirSync(ROOT)
  .filter((d) => /^\d+\.\d+/.test(d))
  .sort();
const filesOf = (version: string) =>
  readdirSync(join(ROOT, version))
    .filter((f) => f.endsWith('.ndjson'))
    .sort();
const DIR = join(ROOT, '6.1.192');
const FILES = filesOf('6.1.192');
const STABLE = parseDesign('legacy@stable-6.1') as Design;
const text = (f: string, version = '6.1.192') => readFileSync(join(ROOT, version, f), 'utf8');

describe('the recorded corpus', () => {
  it('is recorded on 6.1.192, 6.16.12, a 6.19.x and 7.3.4, each kernel in kernel/kernels.tsv', () => {
    for (const v of ['6.1.192', '6.16.12', '6.19.14', '7.3.4']) expect(RECORDED).toContain(v);
    for (const v of RECORDED) expect(KERNELS.map((k) => k.version), `test/fixtures/kernel/${v}`).toContain(v);
  });

  describe.each(RECORDED)('on %s', (version) => {
    const files = filesOf(version);
    const preset = KERNELS.find((k) => k.version === version)!.preset;
    it('has at least 60 recordings, one per corpus scenario, with the same commands, made on that kernel with its preset', () => {
      expect(files.length).toBeGreaterThanOrEqual(60);
      const byName = new Map(corpus().map((s) => [s.name, s]));
      expect(files.map((f) => f.replace(/\.ndjson$/, ''))).toEqual([...byName.keys()].sort());
      for (const f of files) {
        const r = parseRecorded(text(f, version));
        expect(r.linux, f).toBe(version);
        expect(r.debugpat, f).toBe(true);
        expect(r.design, f).toBe(preset);
        const sc = byName.get(r.program)!;
        expect(r.steps.filter((s) => !s.implicit).map((s) => s.cmd), `${f}: re-record (npm run kernel:record -- --kernel ${version})`).toEqual(sc.commands);
        expect(r.mtrr, f).toBe(sc.universe.mtrr);
      }
    });

    it(`every recording conforms to the design it names (${preset}), or diverges exactly as documented`, () => {
      const table: string[] = [];
      for (const f of files) {
        const rec = parseRecorded(text(f, version));
        const design = parseDesign(rec.design) as Design;
        const r = conform(rec, design);
        const known = KNOWN_DIVERGENCES.filter((k) => k.kernel === version && k.program === rec.program && k.design === design.name);
        if (!r.divergence) {
          expect(known, `${f} conforms but a divergence is documented`).toEqual([]);
          table.push(`${rec.program}: conforms`);
          continue;
        }
        const d = r.divergence;
        expect(known.map((k) => [k.step, k.aspect]), `${version}/${f}: undocumented divergence at step ${d.step} (${d.aspect}): kernel ${d.kernel.join('; ')} / model ${d.model.join('; ')}`).toEqual([[d.step, d.aspect]]);
        table.push(`${rec.program}: ${known[0].id}`);
      }
      expect(table.filter((l) => !l.endsWith('conforms'))).toHaveLength(KNOWN_DIVERGENCES.filter((k) => k.kernel === version).length);
    });
  });

  it('shows, across the corpus, every kind of PAT event the model predicts', () => {
    const kinds = new Set<string>();
    for (const f of FILES) {
      const rec = parseRecorded(text(f));
      for (const s of rec.steps) for (const l of s.klog) kinds.add(parseKlogLine(l, rec.X, 0x10000)?.event.kind ?? 'other');
    }
    for (const k of ['reserve', 'reserve_failed', 'free', 'invalid_free', 'type_mismatch']) expect(kinds).toContain(k);
  });

  it('tells the designs apart: the unfixed v6.1 and the v6.16 rewrite do not conform to 6.1.192, the legacy design not to 6.16.12', () => {
    const diverging = (version: string, name: string) => filesOf(version).filter((f) => conform(parseRecorded(text(f, version)), parseDesign(name) as Design).divergence).length;
    expect(diverging('6.1.192', 'legacy@v6.1')).toBeGreaterThan(3); // the COW fix 04c35ab3bdae is in the kernel
    expect(diverging('6.1.192', 'tracked')).toBeGreaterThan(20);
    expect(diverging('6.16.12', 'legacy@stable-6.1')).toBeGreaterThan(60); // no VM_PAT (ar) from v6.16 on
  });
});

describe('kernel log lines', () => {
  const X = 0x100010000;
  it('become events relative to X, with inclusive ends made exclusive', () => {
    expect(parseKlogLine('x86/PAT: memtype_reserve added [mem 0x100010000-0x100011fff], track write-back, req write-back, ret write-back', X, 0x10000)).toMatchObject({
      event: { kind: 'reserve', start: 'X+0x0', end: 'X+0x2000', type: 'write-back' },
      inSlice: true,
    });
    expect(parseKlogLine('x86/PAT: memtype_free request [mem 0x100011000-0x100011fff]', X, 0x10000)?.event).toEqual({ kind: 'free', start: 'X+0x1000', end: 'X+0x2000' });
    expect(parseKlogLine('x86/PAT: prog:PID freeing invalid memtype [mem 0x100010000-0x100010fff]', X, 0x10000)?.event).toEqual({ kind: 'invalid_free', start: 'X+0x0', end: 'X+0x1000' });
    expect(
      parseKlogLine('x86/PAT: prog:PID map pfn expected mapping type uncached-minus for [mem 0x100010000-0x100011fff], got write-back', X, 0x10000)?.event,
    ).toEqual({ kind: 'type_mismatch', start: 'X+0x0', end: 'X+0x2000', got: 'write-back' });
    expect(parseKlogLine('x86/PAT: memtype_reserve failed [mem 0x100010000-0x100011fff], track write-back, req write-back', X, 0x10000)?.event.kind).toBe('reserve_failed');
    expect(parseKlogLine('WARNING: CPU: 0 PID: PID at arch/x86/mm/pat/memtype.c:1030 get_pat_info+0x8f/0xa0', X, 0x10000)?.event).toEqual({ kind: 'warn', where: 'get_pat_info' });
    expect(parseKlogLine('x86/PAT: Overlap at 0x100010000-0x100012000', X, 0x10000)).toBeNull();
    expect(parseKlogLine('x86/PAT: prog:PID conflicting memory types 100010000-100012000 write-back<->uncached-minus', X, 0x10000)).toBeNull();
    expect(parseKlogLine('x86/PAT: memtype_free request [mem 0x100030000-0x100030fff]', X, 0x10000)?.inSlice).toBe(false);
  });
});

describe('the comparison', () => {
  const base = text('munmap_head_then_tail.ndjson');
  const lines = base.trimEnd().split('\n');
  const tamper = (lineNo: number, f: (o: Record<string, unknown>) => void): string => {
    const out = [...lines];
    const o = JSON.parse(out[lineNo - 1]);
    f(o);
    out[lineNo - 1] = JSON.stringify(o);
    return out.join('\n') + '\n';
  };
  const first = (t: string) => conform(parseRecorded(t), STABLE).divergence;

  it('the untouched recording conforms', () => {
    expect(first(base)).toBeUndefined();
  });
  it('a different result', () => {
    expect(first(tamper(4, (o) => ((o.ret = '-1'), (o.errno = 22))))).toMatchObject({ step: 2, line: 4, aspect: 'result', kernel: ['-1 EINVAL'], model: ['0'] });
  });
  it('a missing invalid-free line', () => {
    const d = first(tamper(4, (o) => (o.klog = [])));
    expect(d).toMatchObject({ step: 2, aspect: 'kernel log', kernel: ['(no PAT lines)'], model: ['freeing invalid memtype [X+0x0,X+0x1000)'] });
  });
  it('a different tree entry (multiplicity)', () => {
    const d = first(tamper(4, (o) => ((o.memtype as { count: number }[])[0].count = 2)));
    expect(d).toMatchObject({ step: 2, aspect: 'memtype tree', kernel: ['[X+0x0,X+0x2000) write-back x2'], model: ['[X+0x0,X+0x2000) write-back'] });
  });
  it('a VMA that lost VM_PAT', () => {
    const d = first(tamper(4, (o) => ((o.vmas as { ar: boolean }[])[0].ar = false)));
    expect(d).toMatchObject({ step: 2, aspect: 'VMAs', kernel: ['pid 1 [W+0xb000,W+0xc000) {pf}'], model: ['pid 1 [W+0xb000,W+0xc000) {pf,ar}'] });
  });
  it('the leak left after the last step (the end record)', () => {
    const d = first(tamper(lines.length, (o) => (o.memtype = [])));
    expect(d).toMatchObject({ aspect: 'memtype tree', call: 'end', kernel: ['(none)'], model: ['[X+0x0,X+0x1000) write-back'] });
  });
  it('without debugpat, reserve and free lines are not compared', () => {
    const t = tamper(2, (o) => (o.debugpat = false));
    const noFree = t.split('\n').map((l, i) => (i === 2 ? JSON.stringify({ ...JSON.parse(l), klog: [] }) : l)).join('\n');
    expect(first(noFree)).toBeUndefined();
  });
});

describe('reading a recorded run', () => {
  const ok = text('fork_child_exits_first.ndjson');
  const err = (t: string): RecordedError => {
    try {
      parseRecorded(t);
    } catch (e) {
      if (e instanceof RecordedError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  it('names the line and the field', () => {
    expect(err('').message).toMatch(/^line 1: empty file/);
    expect(err('{"format":"pfnmap-events"}').message).toMatch(/^line 1, field 'format': not a recorded kernel run/);
    expect(err('{"format":"pfnmap-kernel-run","version":1,"kernel":"k","program":"p"}').message).toMatch(/field 'version': version 1 is the run of a hand-written program/);
    const l = ok.split('\n');
    expect(err([l[0], l[1], l[2].replace('"kind":"mmap"', '"kind":"mmapx"')].join('\n')).message).toMatch(/^line 3, field 'cmd(\.kind)?': not a model command/);
    expect(err([l[0], l[1], l[2].replace('"ret":', '"rett":')].join('\n')).message).toMatch(/^line 3, field 'rett': unknown field \(known: step, pid, call, cmd, /);
    expect(err([l[0], l[1], l[2].replace(/"ret":"[^"]*",/, '')].join('\n')).message).toMatch(/^line 3, field 'ret': missing/);
    expect(err([l[0], l[1], l[2]].join('\n')).message).toMatch(/^line 3, field 'call': the run is cut short/);
    expect(err([l[0], l[1], 'nope'].join('\n')).message).toMatch(/^line 3: bad JSON/);
    expect(err([l[0], '{"step":-1,"call":"fatal","error":"no unclaimed PCI BAR"}'].join('\n')).message).toMatch(/^line 2, field 'error': the program failed in setup: no unclaimed PCI BAR/);
  });
});

describe('pfnmap conform (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conform-'));
  it('exit 0 and "conforms (N steps)"', async () => {
    const { io, out } = memIo();
    expect(await run(['conform', join(DIR, 'fork_child_exits_first.ndjson')], io)).toBe(0);
    expect(out).toContain('conforms (5 steps)');
  });
  it('exit 1 with both sides of the first divergence', async () => {
    const lines = text('mremap_shrink_from_hole.ndjson').trimEnd().split('\n');
    const o = JSON.parse(lines[3]);
    lines[3] = JSON.stringify({ ...o, ret: 'W+0x9000', errno: 0 });
    writeFileSync(join(dir, 'tampered.ndjson'), lines.join('\n') + '\n');
    const { io, out } = memIo();
    expect(await run(['conform', join(dir, 'tampered.ndjson')], io)).toBe(1);
    expect(out.join('\n')).toMatch(/DIVERGENCE at step 2 \(line 4, pid 1\): mremap\(W\+0x9000, 0x3000, 0x1000, 0\)[^\n]*\n {2}result:\n {4}kernel: W\+0x9000\n {4}model: {2}MAP_FAILED EFAULT/);
  });
  it('a placement the current model would not choose is reported as such', async () => {
    const lines = text('munmap_whole.ndjson').trimEnd().split('\n');
    const o = JSON.parse(lines[2]);
    lines[2] = JSON.stringify({ ...o, call: o.call.replace('mmap(W+0xa000', 'mmap(W+0x8000') });
    writeFileSync(join(dir, 'moved.ndjson'), lines.join('\n') + '\n');
    const { io, out } = memIo();
    expect(await run(['conform', join(dir, 'moved.ndjson')], io)).toBe(1);
    expect(out.join('\n')).toMatch(/placement:\n {4}kernel: the program mapped it at W\+0x8000 \(MAP_FIXED_NOREPLACE\)\n {4}model: {2}mmap\(NULL\) places it at W\+0xa000/);
  });
  it('--design compares with another design', async () => {
    const { io } = memIo();
    expect(await run(['conform', join(DIR, 'private_cow_fork.ndjson'), '--design', 'legacy@v6.1'], io)).toBe(1);
  });
  it('exit 2 with one line naming file, line and field; never a stack trace', async () => {
    writeFileSync(join(dir, 'bad.ndjson'), '{"format":"pfnmap-kernel-run","version":2,"kernel":"k","program":"p"}\n{"step":0,"call":"init","model":{"design":"legacy@v6.1","config":{"procs":"two"}}}\n');
    for (const [args, re] of [
      [[join(dir, 'bad.ndjson')], /bad\.ndjson:line 2, field 'model\.config\.procs': expected integer in \[1, 4\], got "two"$/],
      [[join(dir, 'missing.ndjson')], /missing\.ndjson: no such file/],
      [[], /expected RECORDED\.ndjson/],
      [[join(DIR, 'munmap_whole.ndjson'), '--design', 'legacy@v9'], /--design: unknown design/],
    ] as const) {
      const { io, err } = memIo();
      expect(await run(['conform', ...args], io)).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(re);
      expect(err[0]).not.toMatch(/\n|at .*\.ts:\d+/);
    }
  });
  it('--json', async () => {
    const { io, out } = memIo();
    expect(await run(['conform', join(DIR, 'munmap_whole.ndjson'), '--json'], io)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ result: 'conforms', steps: 3, design: 'legacy@stable-6.1' });
  });
});

describe('judging a run in its own universe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conform-bounds-'));
  /** a recorded run of commands that touch no mapping (no PAT lines, no entries, no VMAs) */
  const synthetic = (config: object, steps: { cmd: object; call: string; ret: string; errno?: number }[]): string =>
    [
      { format: 'pfnmap-kernel-run', version: 2, kernel: 'k', linux: '6.16.12', program: 'synthetic' },
      { step: 0, call: 'init', model: { design: 'tracked', source: 'test', config }, X: '0x100000000', mtrr: 'WB', debugpat: true, klog: [], memtype: [] },
      ...steps.map((s, i) => ({ step: i + 1, pid: 1, call: s.call, cmd: s.cmd, ret: s.ret, errno: s.errno ?? 0, klog: [], memtype: [], vmas: [] })),
      { step: steps.length + 1, call: 'end', klog: [], memtype: [] },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n';
  const config = corpus()[0].universe;
  const fork = { cmd: { kind: 'fork', pid: 1 }, call: 'fork()', ret: 'child' };

  it('raises the bounds the kernel does not have: a third child in a config of 3 processes conforms', async () => {
    writeFileSync(join(dir, 'three.ndjson'), synthetic(config, [fork, fork, fork]));
    const { io, out } = memIo();
    expect(await run(['conform', join(dir, 'three.ndjson')], io)).toBe(0);
    expect(out.join('\n')).toContain('conforms (3 steps)');
  });
  it('a bound the model still has is "model bound" (exit 3), never a kernel difference', async () => {
    writeFileSync(join(dir, 'four.ndjson'), synthetic(config, [fork, fork, fork, fork]));
    const { io, out } = memIo();
    expect(await run(['conform', join(dir, 'four.ndjson')], io)).toBe(3);
    const text = out.join('\n');
    expect(text).toMatch(/model bound:\n {4}kernel: child\n {4}model: {2}model bound: no free address space for the child \(procs 4\)/);
    expect(text).not.toContain('kernel differs');
  });
  it('a command the model cannot express is exit 2, one line, W-relative', async () => {
    const far = config.vaBasePage * 4096 + 0x100000;
    writeFileSync(
      join(dir, 'far.ndjson'),
      synthetic(config, [{ cmd: { kind: 'munmap', pid: 1, addr: 0, len: 4096 }, call: 'munmap(W-0x7f000000000, 0x1000)', ret: '0' }, { cmd: { kind: 'mmap', pid: 1, len: 4096, pfn: config.physBasePfn, cacheMode: 'WB', shared: true, fixedAddr: far }, call: 'mmap(W+0x100000, 0x1000, PROT_READ, MAP_SHARED|MAP_FIXED, devmem_ro, X+0x0)', ret: 'W+0x100000' }]),
    );
    const { io, err } = memIo();
    expect(await run(['conform', join(dir, 'far.ndjson')], io)).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/far\.ndjson:line 4: step 2: mmap\(W\+0x100000, .*the model cannot express this command \(MAP_FIXED range at W\+0x100000 is outside/);
    expect(err[0]).not.toMatch(/\d{9,}/);
  });
  it('conform --help', async () => {
    const { io, out } = memIo();
    expect(await run(['conform', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: pfnmap conform RECORDED\.ndjson/);
    expect(out.join('\n')).toContain('3 the model stopped at a bound');
  });
});

describe('the era presets are pinned by the recordings', () => {
  /** the recordings of a kernel that diverge from a design */
  const diverging = (version: string, design: Design) =>
    filesOf(version)
      .map((f) => parseRecorded(text(f, version)))
      .filter((r) => conform(r, design).divergence)
      .map((r) => r.program)
      .sort();
  /** a preset with some machine options planted */
  const era = (name: string) => {
    const d = parseDesign(name) as Design;
    return (planted: Partial<Design['options']>): Design => ({ ...d, name: `${name} (planted)`, options: { ...d.options, ...planted } });
  };
  it('tracked@v6.19 with the v6.16 order of free and reserve under MAP_FIXED: the MAP_FIXED recordings of 6.19.14 diverge', () => {
    const programs = diverging('6.19.14', era('tracked@v6.19')({ mapFixedFreesAfter: true }));
    expect(programs.length).toBeGreaterThanOrEqual(10);
    expect(programs.every((p) => p.startsWith('map_fixed_'))).toBe(true);
    expect(programs).toContain('map_fixed_uc_over_wb_same');
  });
  it('tracked@v6.16 with the v6.19 order: the MAP_FIXED recordings of 6.16.12 diverge', () => {
    const programs = diverging('6.16.12', era('tracked@v6.16')({ mapFixedFreesAfter: false }));
    expect(programs.length).toBeGreaterThanOrEqual(10);
    expect(programs.every((p) => p.startsWith('map_fixed_'))).toBe(true);
  });
  it('each mremap switch of tracked@v6.19 is shown by recordings of 6.19.14', () => {
    const v619 = era('tracked@v6.19');
    expect(diverging('6.19.14', v619({ mremapMoveMulti: false }))).toEqual([
      'mremap_move_across_split_middle',
      'mremap_move_past_end',
      'mremap_move_span_forked',
      'mremap_move_split_pieces',
      'mremap_move_two_mappings_gap',
    ]);
    expect(diverging('6.19.14', v619({ mremapChecksFirst: false }))).toEqual(['mremap_fixed_grow_refused', 'mremap_fixed_overlap_from_hole']);
    expect(diverging('6.19.14', v619({ mremapAlignFirst: false, mremapChecksFirst: false }))).toContain('mremap_fixed_unaligned_from_hole');
    expect(diverging('6.16.12', era('tracked@v6.16')({ mremapAlignFirst: false }))).toEqual(['mremap_fixed_unaligned_from_hole']);
  });
});

describe('kernel against kernel (kernel:compare)', () => {
  const differing = (a: string, b: string) =>
    filesOf(a)
      .filter((f) => kernelDiff(parseRecorded(text(f, a)), parseRecorded(text(f, b))))
      .map((f) => f.replace(/\.ndjson$/, ''));
  it('6.1.192 and 6.12.117 answer alike, and so do 6.19.14 and 7.3.4 (snapshot of the recordings)', () => {
    expect(differing('6.1.192', '6.12.117')).toEqual([]);
    expect(differing('6.19.14', '7.3.4')).toEqual([]);
  });
  it('6.16.12 and 6.19.14 part on the MAP_FIXED and mremap programs of E1, E3 and E4 (docs/real-kernel.md §9)', () => {
    const d = differing('6.16.12', '6.19.14');
    expect(d).toHaveLength(21);
    expect(d.every((p) => p.startsWith('map_fixed_') || p.startsWith('mremap_'))).toBe(true);
    const first = kernelDiff(parseRecorded(text('map_fixed_uc_over_wb_same.ndjson', '6.16.12')), parseRecorded(text('map_fixed_uc_over_wb_same.ndjson', '6.19.14')));
    expect(first).toMatchObject({ step: 2, aspect: 'result', a: ['MAP_FAILED EAGAIN'], b: ['W+0xa000'] });
  });
  it('a run is never different from itself; another program is reported as such', () => {
    const r = parseRecorded(text('munmap_whole.ndjson'));
    expect(kernelDiff(r, r)).toBeNull();
    expect(kernelDiff(r, parseRecorded(text('munmap_middle.ndjson')))?.aspect).toBe('commands');
  });
});
