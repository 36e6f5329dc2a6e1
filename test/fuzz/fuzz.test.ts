/**
 * The hostile-input fuzz suite (test/fuzz/hostile.ts), kept to a few seconds here with the
 * seed of test/support/seed.ts (FC_SEED); `npm run fuzz -- --seconds N` runs it longer.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams } from '../support/seed.ts';
import { PROPERTIES } from './hostile.ts';

const RUNS: Record<keyof typeof PROPERTIES, number> = { logs: 150, recordings: 100, configs: 30, flags: 100, library: 100 };

describe('hostile input (fuzz): exit 0-4, one line naming file and line, nothing raw, no nonsense accepted', () => {
  for (const [name, { property }] of Object.entries(PROPERTIES) as [keyof typeof PROPERTIES, (typeof PROPERTIES)[keyof typeof PROPERTIES]][])
    it(name, async () => {
      await fc.assert(property() as fc.IAsyncProperty<[unknown]>, fcParams(RUNS[name]));
    });
});
