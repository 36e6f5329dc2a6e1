import { describe, expect, it, vi } from 'vitest';
import { checkSync } from '../../src/checker/check.ts';
import { StateStore } from '../../src/engine/store.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { encodeLog, parseLog } from '../../src/events/logFormat.ts';
import { replay } from '../../src/replay/replay.ts';
import { decodeConfig } from '../../src/state/config.ts';
import type { Universe } from '../../src/state/universe.ts';
import { DESIGN_PRESETS, parseDesign, TRACKED, type Design } from '../../src/state/design.ts';

const split3 = NAMED_CONFIGS.split3.universe;
const tiny = NAMED_CONFIGS.tiny.universe;

describe('the checker', () => {
  it('every legacy counterexample replays to the same violation at its last step', () => {
    for (const p of DESIGN_PRESETS.filter((d) => d.design.kind === 'legacy')) {
      const r = checkSync({ universe: split3, design: p.design });
      expect(r.verdict, p.name).toBe('VIOLATION');
      const v = r.violation!;
      const rep = replay(parseLog(encodeLog(p.design, split3, v.events)));
      expect(rep.rejection, p.name).toBeUndefined();
      expect(rep.violations.map((x) => x.invariant), p.name).toContain(v.invariant);
      const mine = rep.violations.find((x) => x.invariant === v.invariant)!;
      expect(mine.step, p.name).toBe(v.depth);
      expect(mine.message, p.name).toBe(v.message);
    }
  });
  it('a search stopped by a violation counts the commands up to the one that broke it', () => {
    // the plan's counted commands after the violating one are not counted (src/engine/expand.ts):
    // these are the counts of running every command one by one and stopping there
    const r = checkSync({ universe: split3, design: parseDesign('legacy@v6.1') as Design });
    expect([r.verdict, r.distinct, r.generated]).toEqual(['VIOLATION', 40, 158]);
    expect(r.coverage.commands).toEqual({ mmap: 48, munmap: 20, mprotect: 36, mremap: 54 });
  });
  it('a counterexample is a shortest one: no trace of one command less breaks the invariant', () => {
    const d = parseDesign('legacy@v6.1') as Design;
    const r = checkSync({ universe: split3, design: d, invariants: ['memtype-no-leak'] });
    expect(r.verdict).toBe('VIOLATION');
    const shorter = checkSync({ universe: split3, design: d, invariants: ['memtype-no-leak'], depth: r.violation!.depth - 1 });
    expect(shorter.verdict).toBe('NO_VIOLATION_UP_TO_DEPTH');
  });
  it('symmetry reduction and fingerprint storage keep every verdict', () => {
    const two = decodeConfig({ name: 'two', procs: 2, vpages: 2, pfns: 1, maxMapPages: 1, commands: { fork: true, exit: true } }) as Universe;
    for (const d of [TRACKED, parseDesign('legacy@v6.15') as Design, parseDesign('legacy@v6.1') as Design]) {
      const a = checkSync({ universe: two, design: d });
      const b = checkSync({ universe: two, design: d, symmetry: false });
      const c = checkSync({ universe: two, design: d, exact: false });
      expect(b.verdict).toBe(a.verdict);
      expect(c.verdict).toBe(a.verdict);
      expect(c.distinct).toBe(a.distinct);
      expect(b.distinct).toBeGreaterThanOrEqual(a.distinct);
      expect(b.violation?.depth).toBe(a.violation?.depth);
    }
  });
  it('reports honest verdicts for bounds: depth, states', () => {
    const depth = checkSync({ universe: split3, design: TRACKED, depth: 3 });
    expect(depth.verdict).toBe('NO_VIOLATION_UP_TO_DEPTH');
    expect(depth.bounds.depth).toBe(3);
    const states = checkSync({ universe: split3, design: TRACKED, maxStates: 500 });
    expect(states.verdict).toBe('STOPPED');
    expect(states.stoppedBy).toBe('states');
  });
  it('stops at the memory limit, and when an allocation fails, with the figures so far', () => {
    const limit = checkSync({ universe: split3, design: TRACKED, maxMemoryBytes: 1 });
    expect(limit.verdict).toBe('STOPPED');
    expect(limit.stoppedBy).toBe('memory');
    expect(limit.distinct).toBeLessThan(16_557);
    // the machine refuses the store's next growth (16,384 states is its first capacity)
    const grow = vi.spyOn(StateStore.prototype as unknown as { grow: () => void }, 'grow').mockImplementation(() => {
      throw new RangeError('Array buffer allocation failed');
    });
    try {
      const r = checkSync({ universe: split3, design: TRACKED });
      expect(grow).toHaveBeenCalled();
      expect(r.verdict).toBe('STOPPED');
      expect(r.stoppedBy).toBe('memory');
      expect(r.distinct).toBe(16_384);
    } finally {
      grow.mockRestore();
    }
  });
  it('the tracked design breaks only tracking-precise (quality), with a shortest trace', () => {
    const r = checkSync({ universe: split3, design: TRACKED });
    expect(r.verdict).toBe('PROVED');
    expect(r.stopOn).not.toContain('tracking-precise');
    expect(r.brokenQuality.map((q) => [q.invariant, q.depth])).toEqual([['tracking-precise', 2]]);
  });
  it('counts coverage of commands and machine edges', () => {
    const r = checkSync({ universe: tiny, design: TRACKED });
    expect(r.coverage.commands).toEqual({ mmap: 48, munmap: 48 });
    const kref = r.coverage.machines.find((m) => m.machine === 'pfnmap_track_ctx.kref')!;
    expect(kref.edgesFired).toBeGreaterThan(0);
  });
});
