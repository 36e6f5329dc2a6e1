/**
 * The exhaustive equality checks (issue 14), run over every state the checker expands in a
 * universe (breadth-first from the initial state over canonical forms, symmetry on, as the
 * checker searches; successors cut at the treeMax bound left out) and every action in each:
 *
 * 1. evolve: the bytes the decider left equal its events applied again, one by one, from the
 *    parent, without the decider's hints, after replay's `validate` accepted each in the state
 *    it met; every distinct event's integer form survives the log form (JSON, the codec, back
 *    to integers);
 * 2. the planner's shortcuts: an action `decide` counts as changing nothing changes nothing when
 *    run, and with the `noop` answers turned off its body comes to the same bytes and result;
 *    an action it skips (a dead address space) is no command of the state; an action with the
 *    twin key of an earlier one of the state (Kernel.twinKey) lands on the same bytes with the
 *    same kernel notes.
 *
 * It returns what it saw, so a test can say how much it covered.
 */
import { CommandError, DECIDE_NO_CHANGE, DECIDE_RUN, DECIDE_SKIP, Kernel } from '../../models/kernel.ts';
import { PageMasks } from '../../models/pageMasks.ts';
import { enumerateActions } from '../../src/checker/actions.ts';
import { kindOf } from '../../src/events/codecs.ts';
import { decodeEvent } from '../../src/events/logFormat.ts';
import { EVENT_STRIDE, EventBuffer, applyEvent, encodeEvent, eventAt, evolveContext, initialState, unitContext, validateEvent } from '../../src/reducer/evolve.ts';
import { Canonicalizer } from '../../src/state/canonical.ts';
import type { Design } from '../../src/state/design.ts';
import { BOUND_TREE, HDR_BOUND, layoutOf } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';

export interface Coverage {
  readonly states: number;
  /** (state, action) pairs run, by what decide said of them */
  readonly run: number;
  readonly noChange: number;
  readonly skipped: number;
  /** (state, action) pairs run that have the twin key of an earlier action of the state */
  readonly twins: number;
  readonly events: number;
  readonly distinctEvents: number;
}

const key = (s: Uint8Array): string => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
const same = (a: Uint8Array, b: Uint8Array): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export const exhaustive = (u: Universe, design: Design, kernel = new Kernel(u, design), limit = 100_000): Coverage => {
  const L = layoutOf(u);
  const ctx = evolveContext(u, design);
  const actions = enumerateActions(u, design);
  kernel.prepare(actions.map((a) => a.cmd));
  const uc = unitContext(u, design, kernel.commands);
  const canon = new Canonicalizer(L, true);
  const masks = new PageMasks(L);
  const s0 = initialState(u);
  canon.canon(s0);
  const queue: Uint8Array[] = [new Uint8Array(canon.out)];
  const seen = new Set<string>([key(canon.out)]);
  const succ = new Uint8Array(L.size);
  const again = new Uint8Array(L.size);
  const out = new EventBuffer(ctx, succ);
  const eventKeys = new Set<string>();
  const one = new Float64Array(EVENT_STRIDE);
  const bare = new Float64Array(EVENT_STRIDE);
  let run = 0;
  let noChange = 0;
  let skipped = 0;
  let twins = 0;
  let events = 0;
  /** per twin key of the state: the first action's successor and notes */
  const firstOfKey = new Map<string, { readonly action: number; readonly bytes: Uint8Array; readonly notes: Uint32Array }>();
  const where = (s: Uint8Array, i: number): string => `${u.name}/${design.name}: state ${Buffer.from(s).toString('hex')}, action ${i} ${JSON.stringify(actions[i].cmd)}`;

  for (let q = 0; q < queue.length; q++) {
    const s = queue[q];
    masks.load(s);
    firstOfKey.clear();
    for (const a of actions) {
      const decision = kernel.decide(a.index, masks);
      const twinKey = decision === DECIDE_RUN ? kernel.twinKey(a.index, masks, kernel.decidedEdge) : null;
      succ.set(s);
      out.reset(succ);
      kernel.notes.fill(0);
      let ret: number;
      try {
        ret = kernel.stepAction(out, a.index, masks);
      } catch (e) {
        if (!(e instanceof CommandError)) throw e;
        if (decision !== DECIDE_SKIP) throw new Error(`${where(s, a.index)}: decide said ${decision}, the decider refused it: ${e.message}`);
        skipped++;
        continue;
      }
      if (decision === DECIDE_SKIP) throw new Error(`${where(s, a.index)}: decide skips it, the decider ran it`);
      events += out.count;
      // 1. evolve: the events again, from the parent, each validated in the state it meets
      if (!(succ[HDR_BOUND] & BOUND_TREE)) {
        again.set(s);
        for (let e = 0; e < out.count; e++) {
          const o = e * EVENT_STRIDE;
          const width = 1 + kindOf(out.buf[o]).names.length;
          // as replay has it: the fields only, none of the decider's hints
          bare.fill(NaN);
          bare.set(out.buf.subarray(o, o + width));
          const bad = validateEvent(ctx, again, bare, 0);
          if (bad) throw new Error(`${where(s, a.index)}: event ${e} ${JSON.stringify(eventAt(uc, out.buf, o))} rejected: ${bad.message} (${bad.field})`);
          applyEvent(ctx, again, bare, 0);
          const k = Array.prototype.join.call(out.buf.subarray(o, o + width), ',');
          if (eventKeys.has(k)) continue;
          eventKeys.add(k);
          const text = JSON.stringify(eventAt(uc, out.buf, o));
          const back = encodeEvent(uc, decodeEvent(JSON.parse(text), 1), one, 0);
          if (back) throw new Error(`${where(s, a.index)}: event ${text} does not come back from its log form: ${back.message}`);
          for (let f = 0; f < width; f++)
            if (!(one[f] === out.buf[o + f] || (Number.isNaN(one[f]) && Number.isNaN(out.buf[o + f]))))
              throw new Error(`${where(s, a.index)}: event ${text} comes back from its log form as ${one.join(',')}, not ${k}`);
        }
        if (!same(again, succ)) throw new Error(`${where(s, a.index)}: the decider left bytes its events do not give`);
      }
      // 2. the planner's shortcut
      if (decision === DECIDE_NO_CHANGE) {
        noChange++;
        if (!same(succ, s)) throw new Error(`${where(s, a.index)}: decide counts it as changing nothing, it changed the state`);
        again.set(s);
        out.reset(again);
        kernel.noopShortcut = false;
        let bodyRet: number;
        try {
          bodyRet = kernel.stepAction(out, a.index, masks);
        } finally {
          kernel.noopShortcut = true;
        }
        if (!same(again, s) || bodyRet !== ret) throw new Error(`${where(s, a.index)}: the machine's answer ${ret} without change, its body ${bodyRet}${same(again, s) ? '' : ' with a change'}`);
        continue;
      }
      if (decision !== DECIDE_RUN) throw new Error(`${where(s, a.index)}: decide answered ${decision}`);
      run++;
      if (twinKey !== null) {
        const first = firstOfKey.get(twinKey);
        if (first === undefined) firstOfKey.set(twinKey, { action: a.index, bytes: new Uint8Array(succ), notes: new Uint32Array(kernel.notes) });
        else {
          twins++;
          if (!same(succ, first.bytes) || !same(new Uint8Array(kernel.notes.buffer), new Uint8Array(first.notes.buffer)))
            throw new Error(`${where(s, a.index)}: twin of action ${first.action} ${JSON.stringify(actions[first.action].cmd)} (key ${twinKey}), but its successor or notes differ`);
        }
      }
      if (same(succ, s) || succ[HDR_BOUND] & BOUND_TREE) continue;
      canon.canon(succ);
      const k = key(canon.out);
      if (seen.has(k)) continue;
      if (queue.length >= limit) throw new Error(`${u.name}/${design.name}: more than ${limit} states`);
      seen.add(k);
      queue.push(new Uint8Array(canon.out));
    }
  }
  return { states: queue.length, run, noChange, skipped, twins, events, distinctEvents: eventKeys.size };
};
