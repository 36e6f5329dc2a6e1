import { describe, expect, it } from 'vitest';
import { SuccessorCache } from '../../src/engine/successorCache.ts';

describe('SuccessorCache', () => {
  it('hits only on the exact words recorded, never on an unrecorded all-zero state', () => {
    const c = new SuccessorCache(4);
    const zero = new Uint32Array(4);
    expect(c.seen(zero)).toBe(false);
    c.record(zero);
    expect(c.seen(zero)).toBe(true);
    const a = Uint32Array.of(1, 2, 3, 4);
    expect(c.seen(a)).toBe(false);
    c.record(a);
    expect(c.seen(Uint32Array.of(1, 2, 3, 4))).toBe(true);
    expect(c.seen(Uint32Array.of(1, 2, 3, 5))).toBe(false);
    // a state whose first word is 0 is told from the all-zero one by its words, whatever marks an entry written
    const b = Uint32Array.of(0, 7, 0, 0);
    expect(c.seen(b)).toBe(false);
    c.record(b);
    expect(c.seen(Uint32Array.of(0, 7, 0, 0))).toBe(true);
    expect(c.seen(Uint32Array.of(0, 0, 0, 0))).toBe(true);
    expect(c.hits).toBe(4);
  });
  it('forgets what a colliding state overwrote, and never answers for a state not recorded', () => {
    const c = new SuccessorCache(2);
    // record 100,000 states (2^16 entries: many overwrite each other), then ask for 200,000
    for (let i = 0; i < 200_000; i += 2) {
      const w = Uint32Array.of(i, i >>> 3);
      if (!c.seen(w)) c.record(w); // record writes where seen probed
    }
    let hits = 0;
    for (let i = 0; i < 200_000; i++) {
      if (!c.seen(Uint32Array.of(i, i >>> 3))) continue;
      expect(i % 2).toBe(0);
      hits++;
    }
    expect(hits).toBeGreaterThan(10_000);
    expect(hits).toBeLessThan(100_000);
  });
});
