import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../models/kernel.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { layoutOf } from '../../src/state/layout.ts';
import { Packer } from '../../src/state/packed.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

describe('packed storage form', () => {
  it('unpack(pack(s)) = s for every state of random walks, every design', () => {
    const u = NAMED_CONFIGS.full.universe;
    const L = layoutOf(u);
    const pk = new Packer(L, u);
    expect(pk.bytes).toBeLessThan(L.size);
    const buf = new Uint8Array(pk.bytes);
    const back = new Uint8Array(L.size);
    for (const name of ['tracked', 'precise', 'legacy@v6.1', 'legacy@v6.15']) {
      const d = parseDesign(name) as Design;
      const k = new Kernel(u, d);
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (choices) => {
          for (const s of walk(u, d, choices, k).states) {
            pk.pack(s, buf);
            pk.unpack(buf, 0, back);
            expect(Buffer.from(back).equals(Buffer.from(s))).toBe(true);
          }
        }),
        fcParams(100),
      );
    }
  });
});
