/**
 * Each invariant with a trace that breaks it and one that keeps it. Traces are event logs,
 * replayed: the invariant must be reported broken at the right event, and kept otherwise.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../invariants/index.ts';
import type { Event } from '../../src/events/codecs.ts';
import { parseLog, type ParsedLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { runScenario } from '../../src/cli/scenario.ts';
import { SELFTEST_SCENARIOS } from '../../src/scenarios/selftest.ts';
import { decodeConfig } from '../../src/state/config.ts';
import { parseDesign, TRACKED, type Design } from '../../src/state/design.ts';
import type { Universe } from '../../src/state/universe.ts';

const U = decodeConfig({ name: 'inv', procs: 2, vpages: 4, pfns: 2, kernelSlots: 1 }) as Universe;
const A = (v: number) => (U.vaBasePage + v) * 4096;
const PFN = (i: number) => U.physBasePfn + i;
const PA = (i: number) => (U.physBasePfn + i) * 4096;
const log = (events: Event[], design: Design = TRACKED): ParsedLog => ({ design, universe: U, events, lines: events.map((_, i) => i + 2) });
const region = (v: number, n: number, pfn = 0): Event => ({ type: 'mmap_region', pid: 1, addr: A(v), nrPages: n, pgoff: PFN(pfn), shared: true, driver: false, prot: 'PROT_READ' });
const reserve = (a: number, b: number, t: 'WB' | 'UC-', owner: Event extends never ? never : { ctx: number } | { lineage: number } | { kernel: number }): Event => ({
  type: 'memtype_reserve',
  startPaddr: PA(a),
  endPaddr: PA(b),
  reqType: t,
  newType: t,
  strict: false,
  ret: 0,
  owner,
});
const broken = (l: ParsedLog, name: string) => {
  const r = replay(l);
  expect(r.rejection).toBeUndefined();
  return [...r.violations, ...r.quality].find((v) => v.invariant === name);
};
const scenario = (name: string, design: string) => runScenario(SELFTEST_SCENARIOS.find((s) => s.name === name)!, parseDesign(design) as Design);
const clean = parseLog(readFileSync('test/fixtures/logs/clean.ndjson', 'utf8'));

describe('every invariant has a trace that breaks it and one that keeps it', () => {
  it('the clean log keeps all of them', () => {
    const r = replay(clean);
    expect(r.violations).toEqual([]);
    expect(r.quality).toEqual([]);
  });

  it('vma-no-overlap', () => {
    const v = broken(log([region(0, 2), region(1, 2)]), 'vma-no-overlap');
    expect(v).toMatchObject({ event: 1, message: 'a VMA was created over pages that were still mapped' });
    expect(broken(log([region(0, 2), region(2, 2)]), 'vma-no-overlap')).toBeUndefined();
  });

  it('memtype-no-overlap', () => {
    const v = broken(log([reserve(0, 2, 'WB', { ctx: 1 }), reserve(1, 2, 'UC-', { ctx: 2 })]), 'memtype-no-overlap');
    expect(v?.message).toBe('memtype [mem 0xfe000000-0xfe001fff] WB (ctx 1) overlaps [mem 0xfe001000-0xfe001fff] UC- (ctx 2) with a different cache mode');
    expect(broken(log([reserve(0, 2, 'WB', { ctx: 1 }), reserve(1, 2, 'WB', { ctx: 2 })]), 'memtype-no-overlap')).toBeUndefined();
  });

  it('pte-no-alias', () => {
    const pte = (v: number, t: 'WB' | 'UC-'): Event => ({ type: 'set_pte_range', pid: 1, addr: A(v), pfn: PFN(0), nrPages: 1, cacheMode: t });
    const v = broken(log([region(0, 1), region(1, 1), pte(0, 'WB'), pte(1, 'UC-')]), 'pte-no-alias');
    expect(v?.message).toBe('page 0xfe000000 is mapped WB by pid 1 PTE 0x7f000000000 and UC- by pid 1 PTE 0x7f000001000');
    expect(broken(log([region(0, 1), region(1, 1), pte(0, 'WB'), pte(1, 'WB')]), 'pte-no-alias')).toBeUndefined();
    // a tracked mapping whose PTE disagrees with its reservation
    const tracked: Event[] = [
      region(0, 1),
      reserve(0, 1, 'UC-', { ctx: 1 }),
      { type: 'pfnmap_track_ctx_alloc', ctxId: 1, pfn: PFN(0), nrPages: 1 },
      pte(0, 'WB'),
      { type: 'pfnmap_track_ctx_attach', pid: 1, addr: A(0), nrPages: 1, ctxId: 1 },
    ];
    expect(broken(log(tracked), 'pte-no-alias')?.message).toBe('pid 1 PTE 0x7f000000000 maps page 0xfe000000 WB, but it is reserved UC-');
  });

  it('memtype-no-leak', () => {
    const v = scenario('munmap_split', 'legacy@v6.1').replay.violations.find((x) => x.invariant === 'memtype-no-leak');
    expect(v).toMatchObject({ step: 5, message: 'memtype [mem 0xfe000000-0xfe000fff] WB (VM_PAT lineage 1) leaked: no VMA carries VM_PAT for it any more' });
    expect(scenario('munmap_split', 'tracked').replay.violations).toEqual([]);
    expect(broken(log([reserve(0, 1, 'WB', { kernel: 1 })]), 'memtype-no-leak')?.message).toBe('memtype [mem 0xfe000000-0xfe000fff] WB (kernel handle 1) leaked: its kernel mapping is gone');
    expect(
      broken(
        log([
          { type: 'kernel_call', cmd: { kind: 'ioremap', pfn: PFN(0), nrPages: 1, cacheMode: 'WB' }, ret: 1 },
          reserve(0, 1, 'WB', { kernel: 1 }),
          { type: 'ioremap', handle: 1, pfn: PFN(0), nrPages: 1, cacheMode: 'WB' },
        ]),
        'memtype-no-leak',
      ),
    ).toBeUndefined();
  });

  it('no-invalid-free', () => {
    const free: Event = { type: 'memtype_free', startPaddr: PA(0), endPaddr: PA(1), ret: -22, match: 'none' };
    expect(broken(log([free]), 'no-invalid-free')?.message).toBe('memtype_free [mem 0xfe000000-0xfe000fff] failed: freeing invalid memtype');
    expect(broken(clean, 'no-invalid-free')).toBeUndefined();
  });

  it('no-warn', () => {
    const put: Event = { type: 'kref_put', ctxId: 3, kref: 0 };
    expect(broken(log([put]), 'no-warn')?.message).toBe('refcount_t: underflow; use-after-free.');
    expect(broken(clean, 'no-warn')).toBeUndefined();
  });

  it('kref-exact', () => {
    const l = parseLog(readFileSync('test/fixtures/logs/double-kref-put.ndjson', 'utf8'));
    expect(broken(l, 'kref-exact')?.message).toBe('ctx 1 has kref 0 but 1 VMA points to it (pid 1 0x7f000001000)');
    expect(broken(clean, 'kref-exact')).toBeUndefined();
    // it does not apply to the legacy design
    expect(INVARIANTS.find((i) => i.name === 'kref-exact')!.designs).toEqual(['tracked', 'precise']);
  });

  it('tracking-precise (quality)', () => {
    const q = scenario('munmap_split', 'tracked').replay.quality[0];
    expect(q).toMatchObject({ invariant: 'tracking-precise', kind: 'quality', step: 2 });
    expect(scenario('fork', 'tracked').replay.quality).toEqual([]);
  });

  it('covers every registered invariant', () => {
    expect(INVARIANTS.map((i) => i.name).sort()).toEqual(
      ['vma-no-overlap', 'memtype-no-overlap', 'pte-no-alias', 'memtype-no-leak', 'no-invalid-free', 'no-warn', 'kref-exact', 'tracking-precise'].sort(),
    );
  });
});
