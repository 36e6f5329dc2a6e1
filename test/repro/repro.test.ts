/**
 * `pfnmap repro`: the plan (what each step of the C program does and what the model
 * predicts), the refusals of what user space cannot do, the generated C (self-contained, in
 * sync with kernel/corpus/), and the CLI's exit codes. The QEMU recorder never runs here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import type { Command } from '../../src/events/commands.ts';
import { encodeLog } from '../../src/events/logFormat.ts';
import { cStr, generateC, loadCSources } from '../../src/repro/cgen.ts';
import { corpus, CORPUS_UNIVERSE, CORPUS_UNIVERSE_UC } from '../../src/repro/corpus.ts';
import { buildPlan, refusal, ReproError, runModel } from '../../src/repro/plan.ts';
import { memtypeSig, vmaSig } from '../../src/repro/predict.ts';
import { SCENARIO_UNIVERSE, scenarioNamed } from '../../src/scenarios/selftest.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { addrOf, pfnOf } from '../../src/state/geometry.ts';
import { memIo } from '../support/io.ts';

const STABLE = parseDesign('legacy@stable-6.1') as Design;
const P = 4096;
const u = CORPUS_UNIVERSE;
const X0 = pfnOf(u, 0);
const mm = (o: Partial<Extract<Command, { kind: 'mmap' }>> = {}): Command => ({ kind: 'mmap', pid: 1, len: 2 * P, pfn: X0, cacheMode: 'WB', shared: true, ...o });

describe('plan', () => {
  it("places mmap(NULL) where the model's top-down search does, with MAP_FIXED_NOREPLACE; MAP_FIXED stays MAP_FIXED", () => {
    const p = buildPlan(u, STABLE, [mm(), mm({ len: P, pfn: X0 + 4, fixedAddr: addrOf(u, 10) })], 't');
    expect(p.steps[0].a).toBe(10 * P); // 12 pages, 2-page mapping: pages 10-11
    expect(p.steps[0].flags).toBe('MAP_SHARED|MAP_FIXED_NOREPLACE');
    expect(p.steps[0].call).toBe('mmap(W+0xa000, 0x2000, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE, devmem_ro, X+0x0)');
    expect(p.steps[0].expect).toEqual({ ret: 'W+0xa000', errno: 0 });
    expect(p.steps[1].flags).toBe('MAP_SHARED|MAP_FIXED');
    expect(p.steps[1].call).toBe('mmap(W+0xa000, 0x1000, PROT_READ, MAP_SHARED|MAP_FIXED, devmem_ro, X+0x4000)');
    // the MAP_FIXED over the head splits: invalid free of the head, the new reservation
    expect(p.steps[1].pat.map((e) => e.kind)).toEqual(['invalid_free', 'reserve']);
    expect(memtypeSig(p.steps[1].memtype)).toBe('X+0x0-X+0x2000:write-back*1;X+0x4000-X+0x5000:write-back*1');
    expect(vmaSig(p.steps[1].vmas)).toBe('1:W+0xa000-W+0xb000:pf,ar;1:W+0xb000-W+0xc000:pf,ar');
  });

  it('private mappings ask PROT_READ|PROT_WRITE, UC- uses the O_DSYNC descriptor', () => {
    const p = buildPlan(u, STABLE, [mm({ shared: false, cacheMode: 'UC-' })], 't');
    expect(p.steps[0].prot).toBe('PROT_READ|PROT_WRITE');
    expect(p.steps[0].fd).toBe('RP_FD_UC');
    expect(p.steps[0].call).toContain('devmem_ro_sync');
  });

  it('gives each fork child its own worker instance and ends live processes with implicit exits, in pid order', () => {
    const p = buildPlan(u, STABLE, [mm(), { kind: 'fork', pid: 1 }, { kind: 'fork', pid: 2 }, { kind: 'exit', pid: 2 }, { kind: 'fork', pid: 1 }], 'forks');
    expect(p.steps.map((s) => [s.op, s.pid, s.inst, s.child, s.implicit])).toEqual([
      ['RP_MMAP', 1, 1, 0, false],
      ['RP_FORK', 1, 1, 2, false],
      ['RP_FORK', 2, 2, 3, false],
      ['RP_EXIT', 2, 2, 0, false],
      // pid 2 is free again: the model gives it to the new child, a new worker plays it
      ['RP_FORK', 1, 1, 4, false],
      ['RP_EXIT', 1, 1, 0, true],
      ['RP_EXIT', 2, 4, 0, true],
      ['RP_EXIT', 3, 3, 0, true],
    ]);
    expect(p.ninst).toBe(4);
    expect(p.steps[4].d).toBe(2);
  });

  it('refuses a fork the model cannot hold (the kernel would succeed)', () => {
    const sc = scenarioNamed('fork')!;
    expect(() => buildPlan(SCENARIO_UNIVERSE, STABLE, [sc.commands[0], { kind: 'fork', pid: 1 }, { kind: 'fork', pid: 1 }], 'forks')).toThrow(/no free address space/);
  });

  it('adds exits for every process alive at the end, and runs them through the model', () => {
    const p = buildPlan(u, STABLE, [mm(), { kind: 'fork', pid: 1 }], 't');
    expect(p.steps.slice(2).map((s) => [s.cmd.kind, s.pid, s.implicit])).toEqual([
      ['exit', 1, true],
      ['exit', 2, true],
    ]);
    expect(p.steps[3].memtype).toEqual([]);
    expect(p.steps[3].pat.map((e) => e.kind)).toEqual(['free']);
  });

  it('refuses what user space cannot do, naming the step', () => {
    expect(refusal({ kind: 'ioremap', pfn: X0, nrPages: 1, cacheMode: 'UC-' })).toMatch(/kernel-side operation/);
    expect(refusal({ kind: 'unmap_mapping_range', pfn: X0, nrPages: 1 })).toMatch(/kernel-side/);
    expect(refusal({ kind: 'memremap_pages', pfn: X0, nrPages: 1 })).toMatch(/kernel-side/);
    expect(refusal({ kind: 'zap_vma_ptes', pid: 1, addr: addrOf(u, 0), len: P })).toMatch(/drivers/);
    expect(refusal({ kind: 'vmf_insert_pfn', pid: 1, addr: addrOf(u, 0) })).toMatch(/fault handler/);
    expect(refusal(mm({ driver: 'whole', cacheMode: 'WC' }))).toMatch(/driver/);
    expect(refusal(mm({ cacheMode: 'WC' }))).toMatch(/WB .* or UC-/);
    expect(refusal(mm({ fault: 'remap_fill_first' }))).toMatch(/injected fault/);
    expect(refusal({ kind: 'fork', pid: 1, fault: 'copy_page_range', faultVma: 0 })).toMatch(/injected fault/);
    expect(() => buildPlan(u, STABLE, [mm(), { kind: 'ioremap', pfn: X0, nrPages: 1, cacheMode: 'UC-' }], 't')).toThrow(
      /^step 2 \(kernel: ioremap\): 'ioremap' is a kernel-side operation/,
    );
    expect(() => buildPlan(u, STABLE, [], 't')).toThrow(ReproError);
  });

  it("refuses an mmap(NULL) the model's universe has no room for", () => {
    const cmds: Command[] = Array.from({ length: 7 }, () => mm());
    expect(() => buildPlan(u, STABLE, cmds, 't')).toThrow(/^step 7 .*no free 2-page range/);
  });

  it('every corpus scenario makes a plan; the corpus is big and covers the issue list', () => {
    const all = corpus();
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
    for (const s of all) expect(() => buildPlan(s.universe, STABLE, s.commands, s.name), s.name).not.toThrow();
    const kinds = new Set(all.flatMap((s) => s.commands.map((c) => c.kind)));
    for (const k of ['mmap', 'munmap', 'mprotect', 'madvise', 'mremap', 'fork', 'exit', 'write_fault']) expect(kinds).toContain(k);
    expect(all.some((s) => s.universe.mtrr === 'UC')).toBe(true);
    expect(all.some((s) => s.commands.some((c) => c.kind === 'mmap' && c.fixedAddr !== undefined))).toBe(true);
    expect(all.some((s) => s.commands.some((c) => c.kind === 'mmap' && !c.shared))).toBe(true);
    expect(CORPUS_UNIVERSE_UC.mtrr).toBe('UC');
  });
});

describe('generated C', () => {
  const sc = scenarioNamed('munmap_split')!;
  const plan = buildPlan(SCENARIO_UNIVERSE, STABLE, sc.commands, 'scenario munmap_split');
  const text = generateC(plan, 'munmap_split');

  it('is self-contained: the runtime and the driver are pasted in, no project #include', () => {
    expect(text).toContain('static void rt_init(int argc, char **argv)');
    expect(text).toContain('static void rp_worker(int inst)');
    expect(text).not.toMatch(/^\s*#\s*include\s+"/m);
    expect(text).not.toContain('@@STEPS@@');
    for (const inc of text.match(/^#include\s+<[^>]+>/gm)!) expect(inc).toMatch(/<(errno|fcntl|setjmp|signal|stdarg|stdint|stdio|stdlib|string|unistd|poll)\.h>|<sys\//);
  });

  it('carries the step table with the model prediction of every step', () => {
    expect(text).toContain('static const int rp_nsteps = 6;');
    expect(text).toContain('"mmap(W+0x4000, 0x2000, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE, devmem_ro, X+0x0)"');
    expect(text).toContain('"X+0x0-X+0x1000:write-back*1;X+0x0-X+0x2000:write-back*1"');
    expect(text).toContain('static const char rp_model_json[] = "{\\"design\\":\\"legacy@stable-6.1\\"');
  });

  it('escapes C string literals', () => {
    expect(cStr('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(cStr('é')).toBe('"\\303\\251"');
  });

  const gcc = spawnSync('gcc', ['--version']).status === 0;
  it.skipIf(!gcc)('compiles with gcc -Wall -Werror as plain C', () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    writeFileSync(join(dir, 'r.c'), text);
    execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-fsyntax-only', join(dir, 'r.c')], { stdio: 'pipe' });
  });

  it('--corpus writes one reproducer per corpus scenario and the boot plan (what npm run kernel:record records)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const { io, out, files } = memIo();
    expect(await run(['repro', '--corpus', dir], io)).toBe(0);
    expect(out[0]).toMatch(/^wrote \d+ reproducers to .*, 1 boot\(s\)/);
    const names = corpus().map((s) => s.name);
    expect([...files.keys()].filter((f) => f.endsWith('.c')).sort()).toEqual(names.map((n) => join(dir, `${n}.c`)).sort());
    const boots = files.get(join(dir, 'boots.txt'))!.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(boots.flatMap((l) => l.split(' ')).sort()).toEqual([...names].sort());
    const s = corpus().find((c) => c.name === 'fork_dontfork_partial')!;
    expect(files.get(join(dir, 'fork_dontfork_partial.c'))).toBe(generateC(buildPlan(s.universe, STABLE, s.commands, 'corpus scenario fork_dontfork_partial'), s.name, loadCSources()));
  });
});

describe('pfnmap repro (CLI)', () => {
  it('writes repro.c from a scenario name', async () => {
    const { io, out, files } = memIo();
    expect(await run(['repro', 'munmap_split', '-o', 'r.c'], io)).toBe(0);
    expect(files.get('r.c')).toContain('rp_steps[]');
    expect(out[0]).toMatch(/^wrote r\.c: 6 steps from scenario munmap_split, predictions of legacy@stable-6\.1/);
  });

  it("takes the commands of an event log (a checker's counterexample), with its design", async () => {
    const split3 = NAMED_CONFIGS.split3.universe;
    const cmds: Command[] = [
      { kind: 'mmap', pid: 1, len: 2 * P, pfn: pfnOf(split3, 0), cacheMode: 'WB', shared: true },
      { kind: 'munmap', pid: 1, addr: addrOf(split3, 0), len: 2 * P },
    ];
    const log = encodeLog(STABLE, split3, runModel(split3, STABLE, cmds).events);
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    writeFileSync(join(dir, 't.ndjson'), log);
    const { io, out, files } = memIo();
    expect(await run(['repro', join(dir, 't.ndjson'), '-o', 'cex.c'], io)).toBe(0);
    expect(out[0]).toMatch(/3 steps from trace t \(legacy@stable-6\.1, config split3\)/);
    const c = files.get('cex.c')!;
    expect(c).toContain('"munmap(W+0x0, 0x2000)"');
    expect(c).toContain('"X+0x0-X+0x2000:write-back*1"'); // the head's invalid free leaves the entry
  });

  it('exit 2 with one line for kernel-side commands, unknown names and bad logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    const k2 = NAMED_CONFIGS.kernel2.universe;
    const events = runModel(k2, STABLE, [{ kind: 'ioremap', pfn: pfnOf(k2, 0), nrPages: 1, cacheMode: 'UC-' }]).events;
    writeFileSync(join(dir, 'k.ndjson'), encodeLog(STABLE, k2, events));
    writeFileSync(join(dir, 'bad.ndjson'), '{"format":"pfnmap-events","version":1,"design":"legacy@v6.1","config":{}}\n{"type":"syscall","pid":1}\n');
    for (const [args, re] of [
      [[join(dir, 'k.ndjson'), '-o', 'x.c'], /step 1 \(kernel: ioremap\): 'ioremap' is a kernel-side operation \(a driver or the kernel calls it\); a user-space reproducer cannot perform it$/],
      [['no_such_scenario', '-o', 'x.c'], /is neither a file nor a scenario/],
      [[join(dir, 'bad.ndjson'), '-o', 'x.c'], /bad\.ndjson:line 2, field 'cmd'/],
      [[], /expected one TRACE/],
    ] as const) {
      const { io, err } = memIo();
      expect(await run(['repro', ...args], io)).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(re);
    }
  });
});
