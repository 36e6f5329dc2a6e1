/**
 * Random walks over every command of the default config on the tracked design, every safety
 * invariant checked after every step (fast-check, fixed seed in CI, logged).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invariantsFor } from '../../invariants/index.ts';
import { Kernel } from '../../models/kernel.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { TRACKED } from '../../src/state/design.ts';
import { stateText } from '../../src/state/describe.ts';
import { traceText } from '../../src/events/format.ts';
import { layoutOf } from '../../src/state/layout.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

describe('random walk on the tracked design', () => {
  it('1,000 walks of up to 30 commands keep every safety invariant after every step', () => {
    const u = NAMED_CONFIGS.full.universe;
    const w = { u, L: layoutOf(u), design: TRACKED };
    const invs = invariantsFor(TRACKED).filter((i) => i.kind === 'safety');
    const kernel = new Kernel(u, TRACKED);
    let steps = 0;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (choices) => {
        const run = walk(u, TRACKED, choices, kernel);
        run.states.forEach((s, i) => {
          steps++;
          for (const inv of invs) {
            const msg = inv.check(w, s);
            if (msg !== null) {
              const trace = traceText(run.events.slice(0, run.firstEvent[i + 1] ?? run.events.length)).join('\n');
              throw new Error(`${inv.name}: ${msg}\n${trace}\n${stateText(w, s).join('\n')}`);
            }
          }
        });
      }),
      fcParams(1000),
    );
    expect(steps).toBeGreaterThan(25_000);
  });
});
