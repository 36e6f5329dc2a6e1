import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../models/kernel.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import type { Event } from '../../src/events/codecs.ts';
import { EventBuffer, evolveContext, unitContext } from '../../src/reducer/evolve.ts';
import { initialState, makeReducer } from '../../src/reducer/reduce.ts';
import { parseDesign, TRACKED, type Design } from '../../src/state/design.ts';
import { addrOf, paddrOf, pfnOf } from '../../src/state/geometry.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

const U = NAMED_CONFIGS.full.universe;
const designs: Design[] = [TRACKED, parseDesign('precise') as Design, parseDesign('legacy@v6.1') as Design, parseDesign('legacy@v6.15-rc1') as Design, parseDesign('legacy@v6.15') as Design];

describe('reducer', () => {
  it('reduce(log) lands on the executor state after every command (tracked and legacy)', () => {
    for (const d of designs) {
      const { reduce } = makeReducer(U, d);
      const kernel = new Kernel(U, d);
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 25 }), (choices) => {
          const w = walk(U, d, choices, kernel);
          let s = initialState(U);
          for (let i = 0; i < w.events.length; i++) {
            const r = reduce(s, w.events[i]);
            if (E.isLeft(r)) throw new Error(`${d.name}: event ${i} ${JSON.stringify(w.events[i])} rejected: ${r.left.message}`);
            s = r.right;
            const k = w.firstEvent.indexOf(i + 1);
            if (k > 0) expect(Buffer.from(s).toString('hex')).toBe(Buffer.from(w.states[k - 1]).toString('hex'));
          }
          if (w.states.length) expect(Buffer.from(s).toString('hex')).toBe(Buffer.from(w.states.at(-1)!).toString('hex'));
        }),
        fcParams(150),
      );
    }
  });

  it('an event buffer that is not reset grows and keeps every event in order', () => {
    const kernel = new Kernel(U, TRACKED);
    const w = walk(U, TRACKED, Array.from({ length: 60 }, (_, i) => (i * 7919) % 1000), kernel);
    expect(w.events.length).toBeGreaterThan(64 * 2);
    const s = initialState(U);
    const out = new EventBuffer(evolveContext(U, TRACKED), s);
    for (const c of w.commands) kernel.exec(out, c);
    expect(out.events(unitContext(U, TRACKED, kernel.commands))).toEqual(w.events);
    expect(Buffer.from(s).toString('hex')).toBe(Buffer.from(w.states.at(-1)!).toString('hex'));
  });

  it('never throws and never mutates its input, whatever the event', () => {
    const { reduce } = makeReducer(U, TRACKED);
    const num = fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constantFrom(addrOf(U, 0), addrOf(U, 1), pfnOf(U, 0), pfnOf(U, 1), paddrOf(U, 0), paddrOf(U, 2)));
    const anyEvent = fc.record({
      type: fc.constantFrom(
        'mmap_region',
        'vm_flags_set',
        'vm_area_dup',
        'vm_area_free',
        'set_pte_range',
        'zap_pte_range',
        'memtype_reserve',
        'memtype_free',
        'pfnmap_track_ctx_alloc',
        'kref_get',
        'kref_put',
        'pfnmap_track_ctx_release',
        'copy_process',
        'mmput',
        'move_page_tables',
        'copy_page_range',
        'wp_page_copy',
        'pfnmap_track_ctx_attach',
      ),
      pid: num,
      addr: num,
      nrPages: num,
      pgoff: num,
      pfn: num,
      ctxId: num,
      kref: num,
      dstPid: num,
      dstAddr: num,
      newAddr: num,
      childPid: num,
      startPaddr: num,
      endPaddr: num,
      ret: fc.constantFrom(0, -12),
      reason: fc.constantFrom('split', 'mremap', 'fork'),
      shared: fc.boolean(),
      driver: fc.boolean(),
      prot: fc.constantFrom('PROT_READ', 'PROT_NONE'),
      flags: fc.constantFrom(['VM_DONTCOPY'], ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'], ['VM_IO']),
      cacheMode: fc.constantFrom('WB', 'UC-'),
      reqType: fc.constantFrom('WB', 'UC-'),
      newType: fc.constantFrom('WB', 'UC-'),
      strict: fc.boolean(),
      owner: fc.constantFrom({ ctx: 1 }, { ctx: 2 }, { kernel: 1 }, { lineage: 1 }),
      match: fc.constantFrom('exact', 'end', 'none'),
    }) as fc.Arbitrary<unknown> as fc.Arbitrary<Event>;
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 30 }), (events) => {
        let s = initialState(U);
        for (const e of events) {
          const before = Buffer.from(s).toString('hex');
          const r = reduce(s, e);
          expect(Buffer.from(s).toString('hex')).toBe(before);
          if (E.isRight(r)) s = r.right;
          else expect(r.left.message.length).toBeGreaterThan(0);
        }
      }),
      fcParams(300),
    );
  });

  it('rejects unmet preconditions, naming the values', () => {
    const { reduce } = makeReducer(U, TRACKED);
    const s = initialState(U);
    const rej = (e: unknown) => {
      const r = reduce(s, e as Event);
      expect(E.isLeft(r)).toBe(true);
      return E.isLeft(r) ? r.left : { message: '', field: '' };
    };
    expect(rej({ type: 'vm_area_free', pid: 1, addr: addrOf(U, 0), nrPages: 1 }).message).toMatch(/no VMA at 0x/);
    expect(rej({ type: 'mmap_region', pid: 2, addr: addrOf(U, 0), nrPages: 1, pgoff: pfnOf(U, 0), shared: true, driver: false, prot: 'PROT_READ' }).message).toMatch(
      /pid 2 has no live address space/,
    );
    expect(rej({ type: 'mmap_region', pid: 1, addr: addrOf(U, 1), nrPages: 5, pgoff: pfnOf(U, 0), shared: true, driver: false, prot: 'PROT_READ' }).field).toBe('addr');
    expect(rej({ type: 'pfnmap_track_ctx_release', ctxId: 99 }).field).toBe('ctxId');
    expect(rej({ type: 'memtype_reserve', startPaddr: paddrOf(U, 1), endPaddr: paddrOf(U, 1), reqType: 'WB', newType: 'WB', strict: false, ret: 0, owner: { ctx: 1 } }).field).toBe(
      'endPaddr',
    );
    expect(rej({ type: 'memtype_reserve', startPaddr: paddrOf(U, 0), endPaddr: paddrOf(U, 1), reqType: 'WB', newType: 'WB', strict: false, ret: 0, owner: { lineage: 1 } }).field).toBe(
      'owner',
    );
  });
});
