/**
 * The bug zoo: for each bug of reference §2.9 (A to G), a config in which the checker finds it
 * on its own, in the kernel versions where it existed, as a violation of the invariant it
 * really breaks, and the fixing commit's preset where it is gone (or, where the fix only
 * moved the problem, the new violation). Each config switches on only the commands the bug
 * needs, so that no other bug is found first. test/checker/zoo.test.ts checks every row.
 */
import { decodeConfig } from '../state/config.ts';
import type { Universe } from '../state/universe.ts';

export interface ZooCase {
  readonly design: string;
  /** the invariant the shortest counterexample breaks, or PROVED */
  readonly expect: string;
  readonly note: string;
}

export interface ZooEntry {
  readonly bug: string;
  readonly title: string;
  readonly universe: Universe;
  readonly cases: readonly ZooCase[];
}

const cfg = (name: string, description: string, json: Record<string, unknown>): Universe => {
  const u = decodeConfig({ name, description, ...json });
  if ('error' in u) throw new Error(`${name}: ${u.error}`);
  return u;
};

const ONE_PAGE = { procs: 2, vpages: 1, pfns: 1, maxMapPages: 1 };

export const ZOO: readonly ZooEntry[] = [
  {
    bug: 'A',
    title: 'fork fails while copying page tables (syzbot 5f488e922d047d8f00cc; d155df53f310, dc84bc2aba85)',
    universe: cfg('zoo-A', 'fork with a copy_page_range failure', { ...ONE_PAGE, commands: { fork: true, exit: true }, faults: { forkCopy: true } }),
    cases: [
      { design: 'legacy@v6.1', expect: 'memtype-no-leak', note: 'the child keeps VM_PAT without page tables: WARN in untrack_pfn, and the duplicate reservation leaks (no-warn broken too)' },
      { design: 'legacy@v6.9', expect: 'memtype-no-leak', note: 'd155df53f310 clears VM_PAT on the child: the WARN is gone, the leak stays (acknowledged by dc84bc2aba85)' },
      { design: 'legacy@v6.15', expect: 'PROVED', note: 'dc84bc2aba85: untrack_pfn_copy frees what track_pfn_copy reserved' },
      { design: 'tracked', expect: 'PROVED', note: 'no reservation at fork; the child VMAs put the shared ctx' },
    ],
  },
  {
    bug: 'B',
    title: 'COW of the first page of a private PFNMAP (CVE-2024-35877; 04c35ab3bdae)',
    universe: cfg('zoo-B', 'MAP_PRIVATE, a write fault, fork, exit', { ...ONE_PAGE, commands: { mmapPrivate: true, writeFault: true, fork: true, exit: true } }),
    cases: [
      { design: 'legacy@v6.1', expect: 'memtype-no-leak', note: 'untrack_pfn follows the anon COW page (RAM: nothing freed); the reservation leaks' },
      {
        design: 'legacy@v6.9',
        expect: 'no-invalid-free',
        note: "04c35ab3bdae's vm_pgoff fallback plus the fork failure it causes: the aborted child (VM_PAT copied from the parent) frees the parent's identical entry, the parent's own free then fails (reference §2.9 C, derived)",
      },
      { design: 'legacy@v6.15', expect: 'PROVED', note: 'the child starts without VM_PAT (dc84bc2aba85): an aborted fork frees nothing of the parent' },
      { design: 'tracked', expect: 'PROVED', note: 'COW changes no tracking' },
    ],
  },
  {
    bug: 'C',
    title: 'fork fails in track_pfn_copy ("WARNING in get_pat_info"; dc84bc2aba85)',
    universe: cfg('zoo-C', 'fork with a track_pfn_copy failure', { ...ONE_PAGE, commands: { fork: true, exit: true }, faults: { trackPfnCopy: true } }),
    cases: [
      { design: 'legacy@v6.1', expect: 'no-warn', note: 'the aborted child keeps the inherited VM_PAT and has no page tables: WARN' },
      { design: 'legacy@v6.9', expect: 'no-warn', note: 'get_pat_info WARNs for the shared mapping' },
      { design: 'legacy@v6.15', expect: 'PROVED', note: 'VM_PAT is set on the child only once track_pfn_copy reserved' },
      { design: 'tracked', expect: 'PROVED', note: 'no track_pfn_copy' },
    ],
  },
  {
    bug: 'D',
    title: 'v6.15-rc1 window: vm_area_dup clears VM_PAT on mremap and split copies (e9f180d7cfde)',
    universe: cfg('zoo-D', 'one-page mappings moved by mremap', { procs: 1, vpages: 2, pfns: 1, maxMapPages: 1, commands: { mremapMove: true } }),
    cases: [
      { design: 'legacy@v6.15-rc1', expect: 'memtype-no-leak', note: 'neither the moved VMA nor the source keeps VM_PAT: the entry leaks forever' },
      { design: 'legacy@v6.15', expect: 'PROVED', note: 'e9f180d7cfde clears VM_PAT only on fork copies' },
      { design: 'legacy@v6.1', expect: 'PROVED', note: 'the window did not exist yet' },
      { design: 'tracked', expect: 'PROVED', note: 'copy_vma shares the ctx' },
    ],
  },
  {
    bug: 'E',
    title: 'split, then the head unmapped first (the munmap_split selftest; fixed by the v6.16 rewrite)',
    universe: cfg('zoo-E', 'two-page mappings split by mprotect and munmap', { procs: 1, vpages: 2, pfns: 2, maxMapPages: 2, commands: { mprotect: true } }),
    cases: [
      { design: 'legacy@v6.1', expect: 'no-invalid-free', note: 'the head free is neither an exact nor an END match: "freeing invalid memtype"; the tail later shrinks the entry, whose head leaks' },
      { design: 'legacy@v6.15', expect: 'no-invalid-free', note: 'unchanged up to the rewrite' },
      { design: 'legacy@stable-6.1', expect: 'no-invalid-free', note: "present in Debian's 6.1.192 (kernel/README.md shows the kernel's log line)" },
      { design: 'tracked', expect: 'PROVED', note: 'the ctx frees the whole range once the last piece goes' },
    ],
  },
  {
    bug: 'F',
    title: 'a kernel zap untracks the whole VMA (syzbot 16b1da89309a06cd0e3a; fixed by f8e97613fed2)',
    universe: cfg('zoo-F', 'unmap_mapping_range of part of a /dev/mem mapping, then a UC- mapping', {
      procs: 1,
      vpages: 3,
      pfns: 2,
      maxMapPages: 2,
      devmemModes: ['WB', 'UC-'],
      commands: { zap: true, munmap: false, exit: true },
    }),
    cases: [
      { design: 'legacy@v6.1', expect: 'pte-no-alias', note: 'zapping one page frees the whole reservation while the rest stays mapped WB; a UC- mapping of that page is then allowed' },
      { design: 'legacy@v6.15', expect: 'pte-no-alias', note: 'unchanged up to the rewrite' },
      { design: 'tracked', expect: 'PROVED', note: 'zaps have no tracking effect; the UC- request conflicts and is refused' },
    ],
  },
  {
    bug: 'G',
    title: 'remap_pfn_range fails before the first PTE, with the 79a61cc3fc04 zap (fixed by the v6.16 rewrite)',
    universe: cfg('zoo-G', 'remap fill failures, no munmap', { procs: 1, vpages: 2, pfns: 2, maxMapPages: 2, commands: { munmap: false, exit: true }, faults: { remapFill: true } }),
    cases: [
      { design: 'legacy@v6.9', expect: 'PROVED', note: 'no zap on the error path yet: the explicit untrack_pfn frees' },
      { design: 'legacy@v6.15', expect: 'no-warn', note: 'the zap reaches untrack_pfn with no first PTE: WARN, then the explicit untrack frees' },
      { design: 'legacy@stable-6.1', expect: 'no-warn', note: '79a61cc3fc04 is in 6.1.192' },
      { design: 'tracked', expect: 'PROVED', note: 'the error path is a kref_put' },
    ],
  },
];
