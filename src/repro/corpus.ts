/**
 * The real-kernel corpus: command sequences (the model's vocabulary) that `npm run
 * kernel:record` turns into reproducers (kernel/corpus/*.c), runs on Debian's 6.1 kernel under
 * QEMU and saves as recorded traces (test/fixtures/kernel/*.ndjson) for `pfnmap conform`.
 *
 * Scenarios are written with a builder that runs the model as it goes, so a scenario can use
 * the address an mmap(NULL) returned (the model places it top-down in its universe; the
 * reproducer maps it at the same place with MAP_FIXED_NOREPLACE). Each scenario runs on its
 * own 64 KiB physical slice; `ownBoot` puts it in a boot of its own (for a WARN_ON_ONCE).
 */
import { NAMED_CONFIGS } from '../checker/configs.ts';
import type { Advice, Command, Prot } from '../events/commands.ts';
import { SCENARIO_UNIVERSE, SELFTEST_SCENARIOS } from '../scenarios/selftest.ts';
import { DEFAULT_UNIVERSE } from '../state/config.ts';
import { parseDesign, type Design } from '../state/design.ts';
import { addrOf, pfnOf } from '../state/geometry.ts';
import { PAGE_SIZE, type Universe } from '../state/universe.ts';
import { runModel } from './plan.ts';

export interface CorpusScenario {
  readonly name: string;
  readonly description: string;
  readonly universe: Universe;
  readonly commands: readonly Command[];
  /** run in a boot of its own (a WARN_ON_ONCE must be seen) */
  readonly ownBoot?: boolean;
}

const P = PAGE_SIZE;
/** The design the builder places mappings with (placement does not depend on the design). */
const BUILD_DESIGN = parseDesign('legacy@stable-6.1') as Design;

const universe = (mtrr: 'WB' | 'UC'): Universe => ({
  ...DEFAULT_UNIVERSE,
  name: mtrr === 'WB' ? 'corpus' : 'corpus-uc',
  description: `the real-kernel corpus: 3 address spaces x 12 pages x 8 device frames, MTRR ${mtrr}`,
  procs: 3,
  vpages: 12,
  pfns: 8,
  maxMapPages: 4,
  // the kernel's REFCOUNT_MAX is out of reach: at most procs x vpages VMAs can share a ctx
  refcountMax: 3 * 12 + 1,
  treeMax: 16,
  mtrr,
  devmemModes: ['WB', 'UC-'],
  commands: {
    ...DEFAULT_UNIVERSE.commands,
    mmapPrivate: true,
    mapFixed: true,
    mprotect: true,
    madvise: true,
    madviseInvalid: true,
    mremapShrink: true,
    mremapMove: true,
    mremapInvalid: true,
    fork: true,
    exit: true,
    writeFault: true,
  },
});
export const CORPUS_UNIVERSE = universe('WB');
export const CORPUS_UNIVERSE_UC = universe('UC');

interface MapOpts {
  /** device frame (default 0) */
  readonly frame?: number;
  readonly mode?: 'WB' | 'UC-';
  readonly priv?: boolean;
  readonly pid?: number;
  /** MAP_FIXED at this model address */
  readonly at?: number;
}

/** Builds a command list, running the model after each command to learn its result. */
class Builder {
  readonly cmds: Command[] = [];
  constructor(readonly u: Universe) {}
  /** the model's address of virtual page i */
  page(i: number): number {
    return addrOf(this.u, i);
  }
  exec(c: Command): number {
    this.cmds.push(c);
    const r = runModel(this.u, BUILD_DESIGN, this.cmds);
    if (r.error) throw new Error(`corpus: ${r.error.message}`);
    return r.steps[r.steps.length - 1].result.ret;
  }
  mmap(pages: number, o: MapOpts = {}): number {
    const c: Command = { kind: 'mmap', pid: o.pid ?? 1, len: pages * P, pfn: pfnOf(this.u, o.frame ?? 0), cacheMode: o.mode ?? 'WB', shared: !o.priv };
    return this.exec(o.at !== undefined ? { ...c, fixedAddr: o.at } : c);
  }
  munmap(addr: number, pages: number, pid = 1): number {
    return this.exec({ kind: 'munmap', pid, addr, len: pages * P });
  }
  mprotect(addr: number, pages: number, prot: Prot, pid = 1): number {
    return this.exec({ kind: 'mprotect', pid, addr, len: pages * P, prot });
  }
  madvise(addr: number, pages: number, advice: Advice, pid = 1): number {
    return this.exec({ kind: 'madvise', pid, addr, len: pages * P, advice });
  }
  mremap(addr: number, oldPages: number, newPages: number, flags: ('MREMAP_MAYMOVE' | 'MREMAP_FIXED' | 'MREMAP_DONTUNMAP')[], newAddr?: number, pid = 1): number {
    const c: Command = { kind: 'mremap', pid, oldAddr: addr, oldLen: oldPages * P, newLen: newPages * P, flags };
    return this.exec(newAddr !== undefined ? { ...c, newAddr } : c);
  }
  fork(pid = 1): number {
    return this.exec({ kind: 'fork', pid });
  }
  exit(pid: number): number {
    return this.exec({ kind: 'exit', pid });
  }
  write(addr: number, pid = 1): number {
    return this.exec({ kind: 'write_fault', pid, addr });
  }
}

const sc = (name: string, description: string, body: (b: Builder) => void, o: { uc?: boolean; ownBoot?: boolean; universe?: Universe } = {}): CorpusScenario => {
  const b = new Builder(o.universe ?? (o.uc ? CORPUS_UNIVERSE_UC : CORPUS_UNIVERSE));
  body(b);
  return { name, description, universe: b.u, commands: b.cmds, ...(o.ownBoot ? { ownBoot: true } : {}) };
};

const build = (): readonly CorpusScenario[] => [
  // ------------------------------------------------------------------ munmap
  sc('munmap_whole', 'map 2 pages, unmap them whole', (b) => {
    const a = b.mmap(2);
    b.munmap(a, 2);
  }),
  sc('munmap_head_then_tail', 'unmap the head page, then the tail page (invalid free, the head leaks)', (b) => {
    const a = b.mmap(2);
    b.munmap(a, 1);
    b.munmap(a + P, 1);
  }),
  sc('munmap_tail_then_head', 'unmap the tail page (END-match shrink), then the head page', (b) => {
    const a = b.mmap(2);
    b.munmap(a + P, 1);
    b.munmap(a, 1);
  }),
  sc('munmap_middle', 'unmap the middle page of 3, then the head, then the tail', (b) => {
    const a = b.mmap(3);
    b.munmap(a + P, 1);
    b.munmap(a, 1);
    b.munmap(a + 2 * P, 1);
  }),
  sc('munmap_middle_then_all', 'unmap the middle page of 3, then the whole range in one call', (b) => {
    const a = b.mmap(3);
    b.munmap(a + P, 1);
    b.munmap(a, 3);
  }),
  sc('munmap_tail2_then_head', 'unmap the last 2 of 3 pages, then the head', (b) => {
    const a = b.mmap(3);
    b.munmap(a + P, 2);
    b.munmap(a, 1);
  }),
  sc('munmap_head2_then_tail', 'unmap the first 2 of 3 pages, then the tail', (b) => {
    const a = b.mmap(3);
    b.munmap(a, 2);
    b.munmap(a + 2 * P, 1);
  }),
  sc('munmap_span_two', 'two adjacent mappings of different frames; one munmap over the tail of the first and the head of the second', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.mmap(2, { frame: 4 });
    b.munmap(c + P, 2);
    b.munmap(a, 2);
    b.munmap(c, 1);
  }),
  sc('munmap_remap_head', 'the selftest case: unmap the head, map that frame again, unmap both', (b) => {
    const a = b.mmap(2);
    b.munmap(a, 1);
    const c = b.mmap(1);
    b.munmap(c, 1);
    b.munmap(a, 2);
  }),
  // ------------------------------------------------------------------ mprotect
  sc('mprotect_head_split', 'PROT_NONE on the head page (split), then one munmap over both pieces', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_NONE');
    b.munmap(a, 2);
  }),
  sc('mprotect_tail_split', 'PROT_NONE on the tail page (split), then one munmap over both pieces', (b) => {
    const a = b.mmap(2);
    b.mprotect(a + P, 1, 'PROT_NONE');
    b.munmap(a, 2);
  }),
  sc('mprotect_middle_split', 'PROT_NONE on the middle page of 3 (two splits), then one munmap', (b) => {
    const a = b.mmap(3);
    b.mprotect(a + P, 1, 'PROT_NONE');
    b.munmap(a, 3);
  }),
  sc('mprotect_split_tail_first', 'split by mprotect, unmap the tail piece, then the head piece', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_NONE');
    b.munmap(a + P, 1);
    b.munmap(a, 1);
  }),
  sc('mprotect_restore', 'PROT_NONE on the head, PROT_READ again (no merge: VM_PFNMAP), munmap', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_NONE');
    b.mprotect(a, 1, 'PROT_READ');
    b.munmap(a, 2);
  }),
  sc('mprotect_write_shared', 'PROT_WRITE on a MAP_SHARED mapping of an O_RDONLY fd: EACCES, no split', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_READ|PROT_WRITE');
    b.munmap(a, 2);
  }),
  sc('mprotect_private_split', 'a private mapping: PROT_READ on the head (split), munmap', (b) => {
    const a = b.mmap(2, { priv: true });
    b.mprotect(a, 1, 'PROT_READ');
    b.munmap(a, 2);
  }),
  // ------------------------------------------------------------------ mremap
  sc('mremap_shrink', 'shrink 2 pages to 1 in place, munmap', (b) => {
    const a = b.mmap(2);
    b.mremap(a, 2, 1, []);
    b.munmap(a, 2);
  }),
  sc('mremap_shrink_3to1', 'shrink 3 pages to 1 in place, munmap', (b) => {
    const a = b.mmap(3);
    b.mremap(a, 3, 1, []);
    b.munmap(a, 3);
  }),
  sc('mremap_move_whole', 'move the whole mapping (MAYMOVE|FIXED), munmap both ranges', (b) => {
    const a = b.mmap(2);
    const n = b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(n, 2);
    b.munmap(a, 2);
  }),
  sc('mremap_move_head', 'move the head page away, unmap the rest, then the moved page', (b) => {
    const a = b.mmap(2);
    const n = b.mremap(a, 1, 1, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(a, 2);
    b.munmap(n, 1);
  }),
  sc('mremap_move_tail', 'move the tail page away (the kept head loses VM_PAT), unmap both', (b) => {
    const a = b.mmap(2);
    const n = b.mremap(a + P, 1, 1, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(n, 1);
    b.munmap(a, 1);
  }),
  sc('mremap_move_middle', 'move the middle page of 3 away, unmap everything', (b) => {
    const a = b.mmap(3);
    const n = b.mremap(a + P, 1, 1, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(n, 1);
    b.munmap(a, 3);
  }),
  sc('mremap_grow_refused', 'grow in place: EFAULT (VM_PFNMAP cannot expand), nothing changes', (b) => {
    const a = b.mmap(2);
    b.mremap(a, 2, 3, []);
    b.mremap(a, 2, 3, ['MREMAP_MAYMOVE']);
    b.munmap(a, 2);
  }),
  sc('mremap_dontunmap_refused', 'MREMAP_DONTUNMAP of a PFNMAP: EINVAL, nothing changes', (b) => {
    const a = b.mmap(2);
    b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_DONTUNMAP'], b.page(0));
    b.munmap(a, 2);
  }),
  sc('mremap_fixed_over_mapping', 'move a mapping onto another /dev/mem mapping (unmapped first)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.mmap(2, { frame: 4 });
    b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], c);
    b.munmap(c, 2);
  }),
  // a MREMAP_FIXED move whose old range spans several VMAs: one VMA only up to v6.16 (EFAULT),
  // from v6.17 remap_move moves every VMA of the range, keeping the gaps between them
  sc('mremap_move_split_pieces', 'split a mapping by mprotect, then move both pieces with one MREMAP_FIXED', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_NONE');
    b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(b.page(0), 2);
    b.munmap(a, 2);
  }),
  sc('mremap_move_two_mappings_gap', 'two mappings with a one-page gap, moved with one MREMAP_FIXED over the whole span', (b) => {
    b.mmap(2, { frame: 0, at: b.page(6) });
    b.mmap(1, { frame: 4, at: b.page(9) });
    b.mremap(b.page(6), 4, 4, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(b.page(0), 4);
    b.munmap(b.page(6), 4);
  }),
  sc('mremap_move_across_split_middle', 'a 3-page mapping split in three, move the tail of the first piece and the middle piece', (b) => {
    const a = b.mmap(3);
    b.mprotect(a + P, 1, 'PROT_NONE');
    b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(b.page(0), 2);
    b.munmap(a, 3);
  }),
  sc('mremap_move_past_end', 'MREMAP_FIXED of 3 pages from a 2-page mapping (the range runs past its end into a hole)', (b) => {
    const a = b.mmap(2, { at: b.page(6) });
    b.mremap(a, 3, 3, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(b.page(0), 3);
    b.munmap(a, 3);
  }),
  sc('mremap_fixed_overlap_from_hole', 'MREMAP_FIXED from a hole onto a range overlapping the source: EFAULT (lookup first) or EINVAL (overlap first)', (b) => {
    const a = b.mmap(2, { at: b.page(6) });
    b.mremap(b.page(4), 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(5));
    b.munmap(a, 2);
  }),
  sc('mremap_fixed_unaligned_from_hole', 'MREMAP_FIXED from a hole to an unaligned address: EFAULT (lookup first) or EINVAL (alignment first)', (b) => {
    const a = b.mmap(2, { at: b.page(6) });
    b.mremap(b.page(4), 1, 1, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0) + 0x800);
    b.munmap(a, 2);
  }),
  sc('mremap_move_span_forked', 'fork, then the parent moves both pieces of its split mapping; the child exits last', (b) => {
    const a = b.mmap(2);
    b.mprotect(a + P, 1, 'PROT_NONE');
    const c = b.fork();
    b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.munmap(b.page(0), 2);
    b.exit(c);
  }),
  // ------------------------------------------------------------------ fork and exit
  sc('fork_child_exits_first', 'fork, the child exits, the parent unmaps', (b) => {
    const a = b.mmap(2);
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_parent_exits_first', 'fork, the parent exits without munmap, then the child unmaps', (b) => {
    const a = b.mmap(2);
    const c = b.fork();
    b.exit(1);
    b.munmap(a, 2, c);
  }),
  sc('fork_dontfork_whole', 'MADV_DONTFORK on the whole mapping, fork (the child has no copy)', (b) => {
    const a = b.mmap(2);
    b.madvise(a, 2, 'MADV_DONTFORK');
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_dontfork_partial', 'MADV_DONTFORK on the head page (split), fork: the child copies the tail', (b) => {
    const a = b.mmap(2);
    b.madvise(a, 1, 'MADV_DONTFORK');
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_child_splits', 'fork; the child unmaps its head page, then exits; the parent unmaps', (b) => {
    const a = b.mmap(2);
    const c = b.fork();
    b.munmap(a, 1, c);
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_child_mprotect_exit', 'fork; the child splits by mprotect and exits without munmap', (b) => {
    const a = b.mmap(2);
    const c = b.fork();
    b.mprotect(a, 1, 'PROT_NONE', c);
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_after_split', 'split by mprotect, then fork: both pieces are copied', (b) => {
    const a = b.mmap(2);
    b.mprotect(a + P, 1, 'PROT_NONE');
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('fork_two_children', 'fork twice: three reservations of one range', (b) => {
    const a = b.mmap(2);
    const c1 = b.fork();
    const c2 = b.fork();
    b.exit(c1);
    b.munmap(a, 2, c2);
    b.munmap(a, 2);
  }),
  sc('fork_grandchild', 'the child forks in turn; exits in reverse order', (b) => {
    b.mmap(2);
    const c = b.fork();
    const g = b.fork(c);
    b.exit(g);
    b.exit(c);
  }),
  sc('exit_without_munmap', 'map 2 pages and exit: the teardown frees the reservation', (b) => {
    b.mmap(2);
    b.exit(1);
  }),
  sc('exit_with_split', 'split by mprotect and exit: exit_mmap untracks piece by piece', (b) => {
    const a = b.mmap(2);
    b.mprotect(a, 1, 'PROT_NONE');
    b.exit(1);
  }),
  // ------------------------------------------------------------------ private (COW) mappings
  sc('private_no_cow_fork', 'a private mapping, no write, fork: the child copies it', (b) => {
    const a = b.mmap(2, { priv: true });
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('private_cow_fork', 'a private mapping, write the first page (COW), fork: ENOMEM', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a);
    b.fork();
    b.munmap(a, 2);
  }),
  sc('private_cow_tail_fork', 'a private mapping, write the second page only, fork (the first PTE is still the device)', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a + P);
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('private_cow_munmap', 'a private mapping, COW of the first page, munmap (vm_pgoff fallback frees it)', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a);
    b.munmap(a, 2);
  }),
  sc('private_cow_exit', 'a private mapping, COW of the first page, exit', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a);
    b.exit(1);
  }),
  sc('private_write_shared_sigsegv', 'a write to a read-only shared mapping: SIGSEGV', (b) => {
    const a = b.mmap(1);
    b.write(a);
    b.munmap(a, 1);
  }),
  // ------------------------------------------------------------------ overlapping ranges
  sc('overlap_same_mode', 'two WB mappings of overlapping frames [0,2) and [1,3) in one process', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.mmap(2, { frame: 1 });
    b.munmap(a, 2);
    b.munmap(c, 2);
  }),
  sc('overlap_diff_mode', 'WB [0,2), then UC- [1,3): the UC- request gets WB and is refused (EAGAIN)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 1, mode: 'UC-' });
    b.munmap(a, 2);
  }),
  sc('overlap_uc_then_wb', 'UC- [0,2), then WB [0,2): the WB request is given UC- (allowed)', (b) => {
    const a = b.mmap(2, { frame: 0, mode: 'UC-' });
    const c = b.mmap(2, { frame: 0 });
    b.munmap(c, 2);
    b.munmap(a, 2);
  }),
  sc('overlap_conflict_span', 'WB [0,1), UC- [1,2), then WB [0,2): conflicting memory types', (b) => {
    const a = b.mmap(1, { frame: 0 });
    const c = b.mmap(1, { frame: 1, mode: 'UC-' });
    b.mmap(2, { frame: 0 });
    b.munmap(a, 1);
    b.munmap(c, 1);
  }),
  sc('overlap_same_mode_two_procs', 'fork first, then both processes map [0,2) WB', (b) => {
    const c = b.fork();
    const a = b.mmap(2, { frame: 0 });
    const d = b.mmap(2, { frame: 0, pid: c });
    b.munmap(d, 2, c);
    b.munmap(a, 2);
    b.exit(c);
  }),
  sc('overlap_diff_mode_two_procs', 'fork first; the parent maps WB, the child asks UC- of an overlapping range', (b) => {
    const c = b.fork();
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 1, pid: c, mode: 'UC-' });
    b.munmap(a, 2);
    b.exit(c);
  }),
  sc('overlap_split_leak_then_uc', 'a leaked WB head entry refuses a later UC- mapping of that frame', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.munmap(a, 1);
    b.munmap(a + P, 1);
    b.mmap(1, { frame: 0, mode: 'UC-' });
  }),
  // ------------------------------------------------------------------ MAP_FIXED over a mapping
  sc('map_fixed_over_whole', 'MAP_FIXED over a whole mapping, with other frames', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 4, at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_over_head', 'MAP_FIXED over the head page of a mapping (split, invalid free)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(1, { frame: 4, at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_over_tail', 'MAP_FIXED over the tail page of a mapping (END-match free)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(1, { frame: 4, at: a + P });
    b.munmap(a, 2);
  }),
  sc('map_fixed_same_range', 'MAP_FIXED of the same frames over itself', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 0, at: a });
    b.munmap(a, 2);
  }),
  // MAP_FIXED over mappings the eras treat differently: v6.16's __mmap_region frees the replaced
  // VMAs (kref_put) only after the new mapping's remap_pfn_range reserved; from v6.19 /dev/mem
  // maps through mmap_prepare and the reservation comes after they are freed; the legacy
  // design untracks them before the file's mmap hook runs (docs/real-kernel.md, era findings)
  sc('map_fixed_uc_over_wb_same', 'MAP_FIXED UC- over a whole WB mapping of the same frames', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 0, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_wb_over_uc_same', 'MAP_FIXED WB over a whole UC- mapping of the same frames (which type does the new entry get?)', (b) => {
    const a = b.mmap(2, { frame: 0, mode: 'UC-' });
    b.mmap(2, { frame: 0, at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_wb_other', 'MAP_FIXED UC- over a whole WB mapping of other frames', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 4, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_wb_head', 'MAP_FIXED UC- of frame 0 over the head page of a WB mapping of frames [0,2)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(1, { frame: 0, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_wb_tail', 'MAP_FIXED UC- of frame 1 over the tail page of a WB mapping of frames [0,2)', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(1, { frame: 1, mode: 'UC-', at: a + P });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_split', 'split a WB mapping by mprotect, then MAP_FIXED UC- of the same frames over both pieces', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mprotect(a, 1, 'PROT_NONE');
    b.mmap(2, { frame: 0, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_two_mappings', 'two adjacent WB mappings, MAP_FIXED UC- of the same frames over both', (b) => {
    b.mmap(2, { frame: 0, at: b.page(0) });
    b.mmap(2, { frame: 2, at: b.page(2) });
    b.mmap(4, { frame: 0, mode: 'UC-', at: b.page(0) });
    b.munmap(b.page(0), 4);
  }),
  sc('map_fixed_uc_over_forked', 'fork, then the parent maps UC- MAP_FIXED over its WB mapping: the child still holds the range', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.fork();
    b.mmap(2, { frame: 0, mode: 'UC-', at: a });
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('map_fixed_child_uc_over_copy', 'fork, the child maps UC- MAP_FIXED over its copy of the WB mapping', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.fork();
    b.mmap(2, { frame: 0, mode: 'UC-', at: a, pid: c });
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('map_fixed_refused_leaves_hole', 'MAP_FIXED UC- over a WB mapping, refused by another WB mapping of those frames: the old mapping is gone', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.mmap(2, { frame: 4 });
    b.mmap(2, { frame: 4, mode: 'UC-', at: a });
    b.munmap(a, 2);
    b.munmap(c, 2);
  }),
  sc('map_fixed_uc_same_twice', 'MAP_FIXED UC- over a UC- mapping of the same frames', (b) => {
    const a = b.mmap(2, { frame: 0, mode: 'UC-' });
    b.mmap(2, { frame: 0, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_private_over_shared', 'MAP_FIXED private over a shared mapping of the same frames, write (COW), munmap', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 0, priv: true, at: a });
    b.write(a);
    b.munmap(a, 2);
  }),
  sc('map_fixed_then_fork', 'MAP_FIXED of other frames over a mapping, then fork: the child copies the new mapping', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 4, at: a });
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('map_fixed_wb_over_uc_split', 'split a UC- mapping, MAP_FIXED WB of the same frames over both pieces', (b) => {
    const a = b.mmap(2, { frame: 0, mode: 'UC-' });
    b.mprotect(a + P, 1, 'PROT_NONE');
    b.mmap(2, { frame: 0, at: a });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_mremap_shrunk', 'shrink a WB mapping by mremap, then MAP_FIXED UC- of the freed frame where the tail was', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mremap(a, 2, 1, []);
    b.mmap(1, { frame: 1, mode: 'UC-', at: a + P });
    b.munmap(a, 2);
  }),
  sc('map_fixed_uc_over_moved', 'move a WB mapping (MREMAP_FIXED), then MAP_FIXED UC- of the same frames over the moved one', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const n = b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.mmap(2, { frame: 0, mode: 'UC-', at: n });
    b.munmap(n, 2);
  }),
  sc('map_fixed_uc_mtrr_over_wb', 'MTRR UC: MAP_FIXED UC- over a WB request (tracked uncached-minus) of the same frames', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 0, mode: 'UC-', at: a });
    b.munmap(a, 2);
  }, { uc: true }),
  // ------------------------------------------------------------------ remap failures
  sc('remap_refused_then_retry', 'a UC- mapping refused by a WB one (EAGAIN), then the WB one unmapped and the UC- mapping retried', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.mmap(2, { frame: 0, mode: 'UC-' });
    b.munmap(a, 2);
    const c = b.mmap(2, { frame: 0, mode: 'UC-' });
    b.munmap(c, 2);
  }),
  sc('remap_refused_by_leaked_tail', 'unmap the tail of a WB mapping, then ask UC- of that frame', (b) => {
    const a = b.mmap(2, { frame: 0 });
    b.munmap(a + P, 1);
    const c = b.mmap(1, { frame: 1, mode: 'UC-' });
    b.munmap(c, 1);
    b.munmap(a, 1);
  }),
  sc('remap_refused_child_holds', 'fork, the parent unmaps, the parent asks UC- of the frames the child still maps WB', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.fork();
    b.munmap(a, 2);
    b.mmap(2, { frame: 0, mode: 'UC-' });
    b.exit(c);
  }),
  // ------------------------------------------------------------------ forks with many references
  sc('fork_many_refs', 'a mapping split in three, forked twice: nine VMAs share one pfnmap_track_ctx', (b) => {
    const a = b.mmap(3);
    b.mprotect(a + P, 1, 'PROT_NONE');
    const c1 = b.fork();
    const c2 = b.fork();
    b.exit(c1);
    b.exit(c2);
    b.munmap(a, 3);
  }),
  // ------------------------------------------------------------------ madvise
  sc('madvise_refused', 'the advices the selftest lists fail with EINVAL on a PFNMAP VMA', (b) => {
    const a = b.mmap(2);
    for (const adv of ['MADV_DONTNEED', 'MADV_DONTNEED_LOCKED', 'MADV_FREE', 'MADV_WIPEONFORK', 'MADV_COLD', 'MADV_PAGEOUT', 'MADV_POPULATE_READ', 'MADV_POPULATE_WRITE', 'MADV_DOFORK'] as const)
      b.madvise(a, 1, adv);
    b.munmap(a, 2);
  }),
  // ------------------------------------------------------------------ MTRR uncachable range
  sc('uc_mtrr_wb_request', 'MTRR UC: a WB request is tracked uncached-minus', (b) => {
    const a = b.mmap(2);
    b.munmap(a, 2);
  }, { uc: true }),
  sc('uc_mtrr_sync_then_wb', 'MTRR UC: UC- [0,2) then WB [1,3) (both uncached-minus)', (b) => {
    const a = b.mmap(2, { frame: 0, mode: 'UC-' });
    const c = b.mmap(2, { frame: 1 });
    b.munmap(a, 2);
    b.munmap(c, 2);
  }, { uc: true }),
  sc('uc_mtrr_fork', 'MTRR UC: fork copies the uncached-minus reservation', (b) => {
    const a = b.mmap(2);
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }, { uc: true }),
  sc('uc_mtrr_split_leak', 'MTRR UC: unmap head then tail: invalid free and a leak', (b) => {
    const a = b.mmap(2);
    b.munmap(a, 1);
    b.munmap(a + P, 1);
  }, { uc: true }),
  sc('uc_mtrr_private_cow_fork', 'MTRR UC: private mapping, COW, fork: ENOMEM', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a);
    b.fork();
    b.munmap(a, 2);
  }, { uc: true }),
  // ------------------------------------------------------------------ edges of the syscalls
  sc('mremap_shrink_from_hole', 'shrink a range that starts in a hole before the mapping: vma_lookup(addr) fails, EFAULT, nothing unmapped', (b) => {
    const a = b.mmap(2);
    b.mremap(a - P, 3, 1, []);
    b.munmap(a, 2);
  }),
  sc('mremap_fixed_from_hole', 'MREMAP_FIXED of a range that starts in a hole, onto another mapping: EFAULT before anything is unmapped', (b) => {
    const a = b.mmap(2, { frame: 0 });
    const c = b.mmap(1, { frame: 4, at: b.page(0) });
    b.mremap(a - P, 3, 1, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], c);
    b.munmap(c, 1);
    b.munmap(a, 2);
  }),
  sc('mremap_dontunmap_from_hole', 'MREMAP_DONTUNMAP of an address in a hole: vma_lookup fails first (EFAULT, not EINVAL)', (b) => {
    const a = b.mmap(2);
    b.mremap(a - P, 1, 1, ['MREMAP_MAYMOVE', 'MREMAP_DONTUNMAP'], b.page(0));
    b.munmap(a, 2);
  }),
  sc('mremap_fixed_grow_refused', 'MREMAP_FIXED growing a PFNMAP onto another mapping: the destination is unmapped first, then EFAULT', (b) => {
    const a = b.mmap(1, { frame: 0 });
    const c = b.mmap(2, { frame: 4 });
    b.mremap(a, 1, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], c);
    b.munmap(a, 1);
  }),
  sc('mremap_shrink_split_vma', 'shrink over two pieces of a split VMA', (b) => {
    const a = b.mmap(3);
    b.mprotect(a + P, 1, 'PROT_NONE');
    b.mremap(a, 3, 1, []);
    b.munmap(a, 3);
  }),
  sc('mremap_move_private', 'move a whole private mapping, COW a page there, unmap', (b) => {
    const a = b.mmap(2, { priv: true });
    const n = b.mremap(a, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], b.page(0));
    b.write(n);
    b.munmap(n, 2);
  }),
  sc('syscall_zero_and_unaligned', 'zero lengths and unaligned addresses: EINVAL or 0, nothing changes', (b) => {
    const a = b.mmap(2);
    b.exec({ kind: 'munmap', pid: 1, addr: a, len: 0 });
    b.exec({ kind: 'munmap', pid: 1, addr: a + 1, len: P });
    b.exec({ kind: 'mprotect', pid: 1, addr: a, len: 0, prot: 'PROT_NONE' });
    b.exec({ kind: 'madvise', pid: 1, addr: a, len: 0, advice: 'MADV_DONTFORK' });
    b.exec({ kind: 'mmap', pid: 1, len: 0, pfn: pfnOf(b.u, 0), cacheMode: 'WB', shared: true });
    b.munmap(a, 2);
  }),
  sc('mprotect_across_hole', 'mprotect over two mappings and the hole between: the first is changed (split), then ENOMEM', (b) => {
    const a = b.mmap(2, { frame: 0, at: b.page(0) });
    b.mmap(2, { frame: 2, at: b.page(3) });
    b.mprotect(b.page(1), 4, 'PROT_NONE');
    b.munmap(b.page(0), 5);
    b.munmap(a, 1);
  }),
  sc('madvise_across_hole', 'MADV_DONTFORK over two mappings and a hole: applied to both, ENOMEM; fork copies neither', (b) => {
    b.mmap(2, { frame: 0, at: b.page(0) });
    b.mmap(2, { frame: 2, at: b.page(3) });
    b.madvise(b.page(1), 3, 'MADV_DONTFORK');
    const c = b.fork();
    b.exit(c);
    b.munmap(b.page(0), 5);
  }),
  sc('madvise_dofork_refused', 'MADV_DONTFORK, then MADV_DOFORK: EINVAL (VM_IO), the child still gets no copy', (b) => {
    const a = b.mmap(2);
    b.madvise(a, 2, 'MADV_DONTFORK');
    b.madvise(a, 2, 'MADV_DOFORK');
    const c = b.fork();
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('write_prot_none_sigsegv', 'a private mapping made PROT_NONE: a write faults with SIGSEGV', (b) => {
    const a = b.mmap(1, { priv: true });
    b.mprotect(a, 1, 'PROT_NONE');
    b.write(a);
    b.munmap(a, 1);
  }),
  sc('private_child_cows', 'fork a private mapping, the child writes its first page (COW) and exits', (b) => {
    const a = b.mmap(2, { priv: true });
    const c = b.fork();
    b.write(a, c);
    b.exit(c);
    b.munmap(a, 2);
  }),
  sc('private_cow_munmap_head', 'COW of the first page, then munmap of that page alone (vm_pgoff fallback, partial)', (b) => {
    const a = b.mmap(2, { priv: true });
    b.write(a);
    b.munmap(a, 1);
    b.munmap(a + P, 1);
  }),
  sc('uc_mtrr_wb_then_sync', 'MTRR UC: WB [0,2) (tracked uncached-minus), then UC- [0,2): allowed', (b) => {
    const a = b.mmap(2);
    const c = b.mmap(2, { mode: 'UC-' });
    b.munmap(a, 2);
    b.munmap(c, 2);
  }, { uc: true }),
  sc('checker_split3_cex', "the checker's counterexample for legacy@stable-6.1 on config split3: munmap over a hole and the head page", (b) => {
    const a = b.mmap(2);
    b.munmap(a - P, 2);
  }, { universe: NAMED_CONFIGS.split3.universe }),
  // ------------------------------------------------------------------ the selftest's six cases
  ...SELFTEST_SCENARIOS.map((s) => ({ name: `selftest_${s.name}`, description: `pfnmap selftest: ${s.description}`, universe: SCENARIO_UNIVERSE, commands: s.commands })),
];

let built: readonly CorpusScenario[] | undefined;
/** The corpus, built on first use (each scenario runs the model as it is written). */
export const corpus = (): readonly CorpusScenario[] => (built ??= build());
export const corpusNamed = (name: string): CorpusScenario | undefined => corpus().find((s) => s.name === name);
