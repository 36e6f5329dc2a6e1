/**
 * The six pfnmap selftest cases pinned step by step: each syscall's result and the memtype
 * tree after it, as the kernel has them (reference §5.4; the legacy rows match what
 * kernel/record.sh saw on Debian's 6.1 kernel: kernel/README.md), plus the invariant verdicts.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cli/scenario.ts';
import { SELFTEST_SCENARIOS } from '../../src/scenarios/selftest.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

const A1 = 0x7f000004000; // addr1: top-down, the last two of six pages
const A2 = 0x7f000002000; // mremap_fixed's destination
const E2 = '[mem 0xfe000000-0xfe001fff] WB';
const E1 = '[mem 0xfe000000-0xfe000fff] WB';
const d = (n: string) => parseDesign(n) as Design;

/** [ret, tree after (entry ranges/types, owners stripped)] per step */
type Pin = readonly (readonly [number, readonly string[]])[];
const tree = (entries: readonly string[]) => entries.map((e) => e.replace(/ \(.*\)$/, ''));

const TRACKED: Record<string, Pin> = {
  madvise_disallowed: [[A1, [E2]], ...Array.from({ length: 8 }, () => [-22, [E2]] as const), [0, []]],
  munmap_split: [
    [A1, [E2]],
    [0, [E2]],
    [A1, [E1, E2]],
    [0, [E2]],
    [0, []],
  ],
  mremap_fixed: [
    [A1, [E2]],
    [A2, [E2]],
    [0, []],
    [0, []],
  ],
  mremap_shrink: [
    [A1, [E2]],
    [A1, [E2]],
    [0, []],
  ],
  mremap_expand: [
    [A1, [E2]],
    [-14, [E2]],
    [0, []],
  ],
  fork: [
    [A1, [E2]],
    [2, [E2]],
    [0, [E2]],
    [0, []],
  ],
};

const LEGACY_61: Record<string, Pin> = {
  ...TRACKED,
  munmap_split: [
    [A1, [E2]],
    [0, [E2]], // head free: "freeing invalid memtype", nothing freed
    [A1, [E1, E2]],
    [0, [E2]], // addr2's exact free
    [0, [E1]], // the tail END-matches: E shrinks to the head, which leaks
  ],
  mremap_shrink: [
    [A1, [E2]],
    [A1, [E1]], // END match: the entry shrinks with the mapping
    [0, []],
  ],
  fork: [
    [A1, [E2]],
    [2, [E2, E2]], // track_pfn_copy: a second, strict reservation for the child
    [0, [E2]],
    [0, []],
  ],
};

const check = (design: Design, pins: Record<string, Pin>) => {
  for (const sc of SELFTEST_SCENARIOS) {
    const o = runScenario(sc, design);
    expect(
      o.steps.map((s) => [s.ret, tree(s.memtype)]),
      `${sc.name} on ${design.name}`,
    ).toEqual(pins[sc.name]);
    expect(o.replay.rejection, sc.name).toBeUndefined();
  }
};

describe('pfnmap selftest scenarios', () => {
  it('tracked: every step as the v6.16 kernel has it, every safety invariant intact', () => {
    check(d('tracked'), TRACKED);
    for (const sc of SELFTEST_SCENARIOS) expect(runScenario(sc, d('tracked')).replay.violations, sc.name).toEqual([]);
  });
  it('tracked: tracking-precise breaks after the partial unmaps of munmap_split and mremap_shrink (the cover letter)', () => {
    const broken = (n: string) => runScenario(SELFTEST_SCENARIOS.find((s) => s.name === n)!, d('tracked')).replay.quality.map((q) => [q.invariant, q.step]);
    expect(broken('munmap_split')).toEqual([['tracking-precise', 2]]);
    expect(broken('mremap_shrink')).toEqual([['tracking-precise', 2]]);
    expect(broken('fork')).toEqual([]);
  });
  it('precise: the partially unmapped range is released at once, nothing imprecise remains', () => {
    for (const sc of SELFTEST_SCENARIOS) {
      const o = runScenario(sc, d('precise'));
      expect(o.replay.violations, sc.name).toEqual([]);
      expect(o.replay.quality, sc.name).toEqual([]);
    }
    const split = runScenario(SELFTEST_SCENARIOS.find((s) => s.name === 'munmap_split')!, d('precise'));
    expect(tree(split.steps[1].memtype)).toEqual(['[mem 0xfe001000-0xfe001fff] WB']);
  });
  it('legacy@v6.1: munmap_split frees an invalid memtype and leaks the head, yet every syscall succeeds', () => {
    check(d('legacy@v6.1'), LEGACY_61);
    const o = runScenario(SELFTEST_SCENARIOS.find((s) => s.name === 'munmap_split')!, d('legacy@v6.1'));
    expect(o.steps[1].printk).toEqual(['x86/PAT: freeing invalid memtype [mem 0xfe000000-0xfe000fff]']);
    expect(o.replay.violations.map((v) => [v.invariant, v.step])).toEqual([
      ['no-invalid-free', 2],
      ['memtype-no-leak', 5],
    ]);
  });
  it('legacy@v6.15-rc1 (bug D): mremap_fixed leaks the moved range', () => {
    const o = runScenario(SELFTEST_SCENARIOS.find((s) => s.name === 'mremap_fixed')!, d('legacy@v6.15-rc1'));
    expect(o.replay.violations.map((v) => v.invariant)).toContain('memtype-no-leak');
    const clean = runScenario(SELFTEST_SCENARIOS.find((s) => s.name === 'mremap_fixed')!, d('legacy@v6.15'));
    expect(clean.replay.violations).toEqual([]);
  });
});
