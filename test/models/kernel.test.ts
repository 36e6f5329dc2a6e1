/**
 * The decider's syscall results and errnos (reference §4, kernel-facts), including the calls
 * that must fail and change nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/events/commands.ts';
import { runCommands } from '../../src/scenarios/run.ts';
import { decodeConfig } from '../../src/state/config.ts';
import { parseDesign, TRACKED, type Design } from '../../src/state/design.ts';
import type { Universe } from '../../src/state/universe.ts';

const U = decodeConfig({ name: 'k', procs: 2, vpages: 4, pfns: 2, kernelSlots: 1, driverModes: ['WC', 'UC-'] }) as Universe;
const A = (v: number) => (U.vaBasePage + v) * 4096;
const X = U.physBasePfn;
const P = 4096;
const mmap2: Command = { kind: 'mmap', pid: 1, len: 2 * P, pfn: X, cacheMode: 'WB', shared: true }; // lands at pages 2-3
const rets = (cmds: Command[], d: Design = TRACKED) => {
  const r = runCommands(U, d, cmds);
  expect(r.error).toBeUndefined();
  return r.steps.map((s) => s.result.ret);
};
/** the state after the commands, to compare "changed nothing" */
const after = (cmds: Command[], d: Design = TRACKED) => Buffer.from(runCommands(U, d, cmds).steps.at(-1)!.state).toString('hex');

describe('kernel executor: syscall results', () => {
  it('mmap places top-down and returns the address; len 0 is EINVAL; no room is ENOMEM', () => {
    expect(rets([mmap2])).toEqual([A(2)]);
    expect(rets([{ ...mmap2, len: 0 }])).toEqual([-22]);
    expect(rets([mmap2, mmap2, mmap2])).toEqual([A(2), A(0), -12]);
  });
  it('munmap: unaligned or len 0 is EINVAL and changes nothing; holes are fine', () => {
    expect(rets([mmap2, { kind: 'munmap', pid: 1, addr: A(2) + 1, len: P }])).toEqual([A(2), -22]);
    expect(rets([mmap2, { kind: 'munmap', pid: 1, addr: A(2), len: 0 }])).toEqual([A(2), -22]);
    expect(after([mmap2, { kind: 'munmap', pid: 1, addr: A(2), len: 0 }])).toBe(after([mmap2]));
    expect(rets([{ kind: 'munmap', pid: 1, addr: A(0), len: 4 * P }])).toEqual([0]);
  });
  it('mremap: grow is EFAULT, DONTUNMAP is EINVAL, FIXED without MAYMOVE is EINVAL, unmapped address is EFAULT; all change nothing', () => {
    const base = [mmap2];
    const cases: [Command, number][] = [
      [{ kind: 'mremap', pid: 1, oldAddr: A(2), oldLen: 2 * P, newLen: 3 * P, flags: ['MREMAP_MAYMOVE'] }, -14],
      [{ kind: 'mremap', pid: 1, oldAddr: A(2), oldLen: P, newLen: P, flags: ['MREMAP_MAYMOVE', 'MREMAP_DONTUNMAP'], newAddr: A(0) }, -22],
      [{ kind: 'mremap', pid: 1, oldAddr: A(2), oldLen: P, newLen: P, flags: ['MREMAP_FIXED'], newAddr: A(0) }, -22],
      [{ kind: 'mremap', pid: 1, oldAddr: A(0), oldLen: P, newLen: P, flags: [] }, -14],
      [{ kind: 'mremap', pid: 1, oldAddr: A(0), oldLen: 2 * P, newLen: P, flags: [] }, -14],
    ];
    for (const [c, ret] of cases) {
      expect(rets([...base, c]), JSON.stringify(c)).toEqual([A(2), ret]);
      expect(after([...base, c])).toBe(after(base));
    }
  });
  it('madvise: the selftest advices, MADV_DOFORK and MADV_DODUMP are EINVAL; DONTFORK splits; a range with no VMA is ENOMEM', () => {
    for (const advice of ['MADV_DONTNEED', 'MADV_DONTNEED_LOCKED', 'MADV_FREE', 'MADV_WIPEONFORK', 'MADV_COLD', 'MADV_PAGEOUT', 'MADV_POPULATE_READ', 'MADV_POPULATE_WRITE', 'MADV_DOFORK', 'MADV_DODUMP'] as const) {
      expect(rets([mmap2, { kind: 'madvise', pid: 1, addr: A(2), len: P, advice }]), advice).toEqual([A(2), -22]);
      expect(after([mmap2, { kind: 'madvise', pid: 1, addr: A(2), len: P, advice }])).toBe(after([mmap2]));
    }
    expect(rets([mmap2, { kind: 'madvise', pid: 1, addr: A(2), len: P, advice: 'MADV_DONTFORK' }])).toEqual([A(2), 0]);
    expect(rets([{ kind: 'madvise', pid: 1, addr: A(0), len: P, advice: 'MADV_DONTFORK' }])).toEqual([-12]);
  });
  it('mprotect: PROT_WRITE on the O_RDONLY shared mapping is EACCES; a hole at the start is ENOMEM; len 0 is 0', () => {
    expect(rets([mmap2, { kind: 'mprotect', pid: 1, addr: A(2), len: P, prot: 'PROT_READ|PROT_WRITE' }])).toEqual([A(2), -13]);
    expect(rets([mmap2, { kind: 'mprotect', pid: 1, addr: A(1), len: 2 * P, prot: 'PROT_NONE' }])).toEqual([A(2), -12]);
    expect(rets([mmap2, { kind: 'mprotect', pid: 1, addr: A(2), len: 0, prot: 'PROT_NONE' }])).toEqual([A(2), 0]);
  });
  it('a second whole-VMA remap is EINVAL in tracked; in legacy it is the kernel BUG in remap_pte_range', () => {
    const twice: Command = { ...mmap2, driver: 'twice', cacheMode: 'WC' };
    expect(rets([twice])).toEqual([-22]);
    const legacy = runCommands(U, parseDesign('legacy@v6.15') as Design, [twice]);
    expect(legacy.events.filter((e) => e.type === 'warn').map((e) => (e as { reason: string }).reason)).toEqual(['remap_pte_bug']);
  });
  it('fork returns the child pid; a fork failure is ENOMEM (copy_mm) and leaves no child', () => {
    expect(rets([mmap2, { kind: 'fork', pid: 1 }])).toEqual([A(2), 2]);
    expect(rets([mmap2, { kind: 'fork', pid: 1, fault: 'copy_page_range', faultVma: 0 }])).toEqual([A(2), -12]);
    expect(after([mmap2, { kind: 'fork', pid: 1, fault: 'copy_page_range', faultVma: 0 }])).toBe(after([mmap2]));
  });
  it('an O_DSYNC (UC-) /dev/mem mapping over a WB reservation is refused with EAGAIN (UC- → WB not allowed)', () => {
    expect(rets([mmap2, { ...mmap2, cacheMode: 'UC-' }])).toEqual([A(2), -11]);
    // the other way round the WB request gets UC- and succeeds
    expect(rets([{ ...mmap2, cacheMode: 'UC-' }, mmap2])).toEqual([A(2), A(0)]);
  });
  it('an uncachable MTRR range turns a WB request into UC-', () => {
    const uc = decodeConfig({ name: 'uc', procs: 1, vpages: 2, pfns: 1, maxMapPages: 1, mtrr: 'UC' }) as Universe;
    const r = runCommands(uc, TRACKED, [{ kind: 'mmap', pid: 1, len: P, pfn: X, cacheMode: 'WB', shared: true }]);
    expect(r.events.find((e) => e.type === 'memtype_reserve')).toMatchObject({ reqType: 'UC-', newType: 'UC-' });
  });
  it('write faults: COW on private, SIGBUS without a PTE, SIGSEGV without VM_WRITE', () => {
    const priv: Command = { ...mmap2, shared: false };
    const r = runCommands(U, TRACKED, [priv, { kind: 'write_fault', pid: 1, addr: A(2) }, { kind: 'write_fault', pid: 1, addr: A(0) }, mmap2, { kind: 'write_fault', pid: 1, addr: A(0) }]);
    expect(r.steps.map((s) => s.result.signal ?? 'ok')).toEqual(['ok', 'ok', 'SIGSEGV', 'ok', 'SIGSEGV']);
    expect(r.events.some((e) => e.type === 'wp_page_copy')).toBe(true);
  });
  it('ioremap returns a handle, refuses an incompatible type, iounmap frees it', () => {
    const io: Command = { kind: 'ioremap', pfn: X, nrPages: 1, cacheMode: 'UC-' };
    expect(rets([mmap2, io])).toEqual([A(2), -16]);
    expect(rets([io, { kind: 'iounmap', handle: 1 }, { kind: 'iounmap', handle: 1 }])).toEqual([1, 0, -22]);
  });
});

describe('kernel executor: arguments at the edges of their domains', () => {
  // every command kind with lengths from 0 to 2^53 - 1 and addresses in, around and far out of
  // the window, after a mapping and an ioremap: each ends (a result, or a CommandError the
  // model cannot express it) on every design family, as the codecs let them through
  it('every command kind ends, with a result or a refusal, for lengths and addresses anywhere', () => {
    const sizes = [0, 1, P, 2 * P, 2 ** 52, 2 ** 53 - 1];
    const addrs = [A(0), A(1), A(-1), A(-(2 ** 30)), A(2 ** 30), 0, P / 2, 2 ** 52];
    const pfns = [X, X + 1, X - 1, 0, 2 ** 52];
    const cmds: Command[] = [];
    for (const len of sizes)
      for (const addr of addrs) {
        cmds.push({ ...mmap2, len, fixedAddr: addr }, { ...mmap2, len, driver: 'partial', remapLen: len, fixedAddr: addr });
        cmds.push({ kind: 'munmap', pid: 1, addr, len }, { kind: 'mprotect', pid: 1, addr, len, prot: 'PROT_NONE' });
        cmds.push({ kind: 'madvise', pid: 1, addr, len, advice: 'MADV_DONTFORK' }, { kind: 'zap_vma_ptes', pid: 1, addr, len });
        for (const newLen of [0, P, 2 ** 52]) cmds.push({ kind: 'mremap', pid: 1, oldAddr: addr, oldLen: len, newLen, flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], newAddr: A(0) });
        cmds.push({ kind: 'write_fault', pid: 1, addr }, { kind: 'vmf_insert_pfn', pid: 1, addr });
      }
    for (const nrPages of sizes)
      for (const pfn of pfns)
        cmds.push(
          { kind: 'memremap_pages', pfn, nrPages },
          { kind: 'ioremap', pfn, nrPages, cacheMode: 'UC-' },
          { kind: 'unmap_mapping_range', pfn, nrPages },
          { ...mmap2, pfn },
        );
    const setup: Command[] = [mmap2, { kind: 'ioremap', pfn: X, nrPages: 2, cacheMode: 'UC-' }];
    let ran = 0;
    let refused = 0;
    for (const d of [TRACKED, parseDesign('legacy@v6.1') as Design, parseDesign('precise') as Design])
      for (const c of cmds) {
        const r = runCommands(U, d, [...setup, c]);
        if (r.error) {
          expect(r.error.step, JSON.stringify(c)).toBe(2);
          refused++;
        } else {
          expect(Number.isFinite(r.steps[2].result.ret), JSON.stringify(c)).toBe(true);
          ran++;
        }
      }
    expect(ran).toBeGreaterThan(refused);
  });
});
