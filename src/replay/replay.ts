/**
 * Replay: fold an event log through the reducer and check every invariant after every event.
 * Machines are never needed: a log alone is enough.
 *
 * A command is atomic in the kernel (mmap_lock, memtype_lock), so the events inside one step
 * (from a `syscall` / `kernel_call` event to the next) may pass through states that break an
 * invariant on the way (a vm_area_dup before its kref_get). A violation counts when the
 * invariant is still broken at the end of the step; it is reported at the event after which
 * it broke and stayed broken. Events before the first step marker form one step; a log with no markers at all makes every event a step of its own.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invariantsFor, type Invariant } from '../../invariants/index.ts';
import type { Event } from '../events/codecs.ts';
import { isStepStart, type ParsedLog } from '../events/logFormat.ts';
import { initialState, makeReducer } from '../reducer/reduce.ts';
import type { Bytes } from '../state/access.ts';
import { stateText, type View } from '../state/describe.ts';
import { layoutOf } from '../state/layout.ts';

export interface ReplayViolation {
  readonly invariant: string;
  readonly kind: 'safety' | 'quality';
  readonly message: string;
  /** 0-based index of the event after which it broke */
  readonly event: number;
  readonly line: number;
  /** 1-based step number (the command) it broke in */
  readonly step: number;
  /** the events of the log up to and including that one */
  readonly context: readonly Event[];
}

export interface ReplayRejection {
  readonly event: number;
  readonly line: number;
  readonly type: string;
  readonly field?: string;
  readonly message: string;
}

export interface ReplayResult {
  readonly events: number;
  readonly steps: number;
  readonly invariants: readonly string[];
  /** the first safety violation */
  readonly violation?: ReplayViolation;
  /** the first violation of each safety invariant, in the order they happened (replay goes on) */
  readonly violations: readonly ReplayViolation[];
  /** quality invariants broken (they do not stop the replay), first break each */
  readonly quality: readonly ReplayViolation[];
  readonly rejection?: ReplayRejection;
  readonly finalState: readonly string[];
  readonly state: Bytes;
}

/**
 * Sees the state after each event that applied: `event` its 0-based index, `step` the 1-based
 * step it belongs to. The state is the reducer's fresh copy; replay never writes it again.
 */
export type ReplayObserver = (event: number, step: number, state: Bytes) => void;

export const replay = (log: ParsedLog, only?: readonly string[], observe?: ReplayObserver): ReplayResult => {
  const { design, universe: u } = log;
  const L = layoutOf(u);
  const w: View = { u, L, design };
  const { reduce } = makeReducer(u, design);
  const invs: Invariant[] = invariantsFor(design).filter((i) => !only || only.includes(i.name));
  let s = initialState(u);
  /** per invariant: where its current broken run began */
  const brokenSince = new Map<string, { event: number; message: string; step: number }>();
  const quality: ReplayViolation[] = [];
  let step = 0;
  const at = (inv: Invariant, b: { event: number; message: string; step: number }): ReplayViolation => ({
    invariant: inv.name,
    kind: inv.kind,
    message: b.message,
    event: b.event,
    line: log.lines[b.event],
    step: b.step,
    context: log.events.slice(0, b.event + 1),
  });
  const violations: ReplayViolation[] = [];
  const seen = new Set<string>();
  /** at a step's end: the broken invariants count (the first break of each is kept) */
  const endOfStep = (): void => {
    const found: ReplayViolation[] = [];
    for (const inv of invs) {
      const b = brokenSince.get(inv.name);
      if (!b || seen.has(inv.name)) continue;
      seen.add(inv.name);
      const v = at(inv, b);
      (inv.kind === 'quality' ? quality : found).push(v);
    }
    found.sort((a, b) => a.event - b.event);
    violations.push(...found);
  };
  const result = (extra: Partial<ReplayResult>): ReplayResult => ({
    events: log.events.length,
    steps: step,
    invariants: invs.map((i) => i.name),
    violations,
    violation: violations[0],
    quality,
    finalState: stateText(w, s),
    state: s,
    ...extra,
  });
  const hasMarkers = log.events.some((x) => isStepStart(x.type));
  for (let i = 0; i < log.events.length; i++) {
    const e = log.events[i];
    if (!hasMarkers || isStepStart(e.type) || i === 0) {
      if (i > 0) endOfStep();
      step++;
    }
    const r = reduce(s, e);
    if (E.isLeft(r)) return result({ rejection: { event: i, line: log.lines[i], type: e.type, field: r.left.field, message: r.left.message } });
    s = r.right;
    observe?.(i, step, s);
    for (const inv of invs) {
      const msg = inv.check(w, s);
      if (msg === null) brokenSince.delete(inv.name);
      else if (!brokenSince.has(inv.name)) brokenSince.set(inv.name, { event: i, message: msg, step });
    }
  }
  if (log.events.length) endOfStep();
  return result({});
};
