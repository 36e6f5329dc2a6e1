/**
 * The six test cases of the kernel's pfnmap selftest (tools/testing/selftests/mm/pfnmap.c,
 * reference §5.4) as command sequences: the fixture's mmap of two pages of /dev/mem at the
 * target offset, the test body, and the teardown (munmap addr2 if set, then munmap addr1).
 * The target is device frame 0 of the scenario universe (on x86 the selftest maps the first
 * System RAM range below 1 MiB, which PAT tracks in the interval tree, §5.2).
 *
 * Not modelled: the read probes (no PAT effect) and, in mremap_fixed, the anonymous
 * MAP_PRIVATE mapping the test places at addr2 before moving onto it (the model has no
 * anonymous VMAs; mremap's MAP_FIXED unmap of it has no PAT effect): addr2 is the free range
 * the kernel would have chosen for it.
 */
import type { Command } from '../events/commands.ts';
import { DEFAULT_UNIVERSE } from '../state/config.ts';
import { addrOf, pfnOf } from '../state/geometry.ts';
import { PAGE_SIZE, type Universe } from '../state/universe.ts';
import { SELFTEST_DISALLOWED_ADVICES } from '../checker/actions.ts';

export const SCENARIO_UNIVERSE: Universe = {
  ...DEFAULT_UNIVERSE,
  name: 'selftest',
  description: 'the pfnmap selftest: two address spaces, 6 virtual pages, 2 device frames',
  procs: 2,
  vpages: 6,
  pfns: 2,
  maxMapPages: 2,
  treeMax: 8,
  commands: { ...DEFAULT_UNIVERSE.commands, mprotect: true, madvise: true, madviseInvalid: true, mremapShrink: true, mremapMove: true, mremapInvalid: true, fork: true, exit: true },
};

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly commands: readonly Command[];
}

const P = PAGE_SIZE;
const u = SCENARIO_UNIVERSE;
const X = pfnOf(u, 0);
/** get_unmapped_area top-down: a 2-page mapping in an empty mm lands at the top */
const addr1 = addrOf(u, u.vpages - 2);
const fixture: Command = { kind: 'mmap', pid: 1, len: 2 * P, pfn: X, cacheMode: 'WB', shared: true };
const teardown1: Command = { kind: 'munmap', pid: 1, addr: addr1, len: 2 * P };

export const SELFTEST_SCENARIOS: readonly Scenario[] = [
  {
    name: 'madvise_disallowed',
    description: 'each advice the selftest lists fails with EINVAL on the PFNMAP VMA and changes nothing',
    commands: [fixture, ...SELFTEST_DISALLOWED_ADVICES.map((advice): Command => ({ kind: 'madvise', pid: 1, addr: addr1, len: P, advice })), teardown1],
  },
  {
    name: 'munmap_split',
    description: 'munmap the first page, map that page again, tear down (legacy: invalid free and a leak; tracked: clean)',
    commands: [
      fixture,
      { kind: 'munmap', pid: 1, addr: addr1, len: P },
      // addr2: the highest free page is the one just unmapped, so addr2 == addr1
      { kind: 'mmap', pid: 1, len: P, pfn: X, cacheMode: 'WB', shared: true },
      { kind: 'munmap', pid: 1, addr: addr1, len: P },
      teardown1,
    ],
  },
  {
    name: 'mremap_fixed',
    description: 'move the whole mapping with MREMAP_FIXED|MREMAP_MAYMOVE, tear down both ranges',
    commands: [
      fixture,
      {
        kind: 'mremap',
        pid: 1,
        oldAddr: addr1,
        oldLen: 2 * P,
        newLen: 2 * P,
        flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED'],
        newAddr: addrOf(u, u.vpages - 4),
      },
      { kind: 'munmap', pid: 1, addr: addrOf(u, u.vpages - 4), len: 2 * P },
      teardown1,
    ],
  },
  {
    name: 'mremap_shrink',
    description: 'shrink the mapping to one page in place, tear down',
    commands: [fixture, { kind: 'mremap', pid: 1, oldAddr: addr1, oldLen: 2 * P, newLen: P, flags: [] }, teardown1],
  },
  {
    name: 'mremap_expand',
    description: 'growing a PFNMAP mapping must fail (EFAULT from remap_is_valid)',
    commands: [fixture, { kind: 'mremap', pid: 1, oldAddr: addr1, oldLen: 2 * P, newLen: 3 * P, flags: ['MREMAP_MAYMOVE'] }, teardown1],
  },
  {
    name: 'fork',
    description: 'fork; the child exits; the parent tears down',
    commands: [fixture, { kind: 'fork', pid: 1 }, { kind: 'exit', pid: 2 }, teardown1],
  },
];

export const scenarioNamed = (name: string): Scenario | undefined => SELFTEST_SCENARIOS.find((s) => s.name === name);
