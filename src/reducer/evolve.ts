/**
 * evolve: the state after an event, from the event's integer form, with the one handler each
 * event kind defines beside its codec (src/events/codecs.ts). Everything that changes a state
 * goes through here: the decider (models/kernel.ts) emits its facts into an EventBuffer, which
 * applies each one as it is written (the decider reads its own writes, as the kernel does under
 * mmap_lock and memtype_lock); replay converts each decoded log line to the same integers and
 * applies it after `validateEvent` (reduce.ts).
 */
import { EVENT_KINDS, KIND, type Event, type EventType } from '../events/codecs.ts';
import { EVENT_STRIDE, RejectSignal, type EventKind, type EvolveContext, type Rejection } from '../events/eventKind.ts';
import { CommandTable, type UnitContext } from '../events/fields.ts';
import type { Bytes } from '../state/access.ts';
import { ownerVocabulary, type Design } from '../state/design.ts';
import { layoutOf } from '../state/layout.ts';
import { procOff } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';

export { EVENT_STRIDE, type EvolveContext, type Rejection };

export const evolveContext = (u: Universe, design: Design): EvolveContext => ({ L: layoutOf(u), g: u, design });

/** How a design's events read in a log, with the commands they carry numbered by `commands`. */
export const unitContext = (u: Universe, design: Design, commands = new CommandTable()): UnitContext => ({ g: u, owners: ownerVocabulary(design), commands });

/** The initial state of a universe: one empty address space (pid 1). */
export const initialState = (u: Universe): Bytes => {
  const L = layoutOf(u);
  const s = new Uint8Array(L.size);
  s[procOff(L, 0)] = 1;
  return s;
};

/** Apply the event at b[o..] (its kind code at b[o]) to s. */
export const applyEvent = (c: EvolveContext, s: Bytes, b: Float64Array, o: number): void => {
  EVENT_KINDS[b[o]].apply(c, s, b, o + 1);
};

/** Replay's check of the event at b[o..] against s: null when it can apply. */
export const validateEvent = (c: EvolveContext, s: Bytes, b: Float64Array, o: number): Rejection | null => {
  try {
    EVENT_KINDS[b[o]].validate(c, s, b, o + 1);
    return null;
  } catch (x) {
    if (x instanceof RejectSignal) return x.rejection;
    throw x;
  }
};

/** The log form of the event at b[o..]. */
export const eventAt = (uc: UnitContext, b: ArrayLike<number>, o: number): Event => EVENT_KINDS[b[o]].toJson(uc, b, o + 1) as Event;

/**
 * The integer form of a log event into b[o..], or why it has none (an unknown type, a field
 * whose value its unit refuses). The event must have passed its kind's codec.
 */
export const encodeEvent = (uc: UnitContext, e: Event, b: Float64Array, o: number): Rejection | null => {
  const code = (KIND as Record<string, number>)[e.type];
  if (code === undefined) return { message: `unknown event type ${e.type}`, field: 'type' };
  b[o] = code;
  for (let i = 1; i < EVENT_STRIDE; i++) b[o + i] = NaN;
  return EVENT_KINDS[code].toInts(uc, e as unknown as Record<string, unknown>, b, o + 1);
};

type ArgsOf<K> = K extends EventKind<string, infer A> ? [...A, ...(number | undefined)[]] : never;
/** One emitter per event kind: writes the event into the buffer and applies it; returns its offset. */
export type Emitters = { readonly [K in (typeof EVENT_KINDS)[number] as K['type']]: (...args: ArgsOf<K>) => number };

/**
 * The decider's output: events in integer form in a growing buffer, each applied to the state
 * `s` as it is emitted. The checker reuses one buffer for every step (`reset`), so a step
 * allocates nothing; a log is the buffer decoded (`events`).
 */
export class EventBuffer {
  buf = new Float64Array(EVENT_STRIDE * 64);
  /** events in the buffer */
  count = 0;
  /** the state the events are applied to */
  s: Bytes;
  readonly emit: Emitters;

  constructor(
    readonly ctx: EvolveContext,
    s: Bytes,
  ) {
    this.s = s;
    const emit: Record<string, unknown> = {};
    EVENT_KINDS.forEach((k, code) => (emit[k.type] = emitterOf(k, code, this)));
    this.emit = emit as unknown as Emitters;
  }

  /** Start over on state s (the events so far are dropped). */
  reset(s: Bytes): void {
    this.s = s;
    this.count = 0;
  }

  /** Room for one more event of kind `code`: writes the code, returns the offset of its first field. */
  slot(code: number): number {
    const o = this.count * EVENT_STRIDE;
    if (o + EVENT_STRIDE > this.buf.length) this.grow();
    this.buf[o] = code;
    this.count++;
    return o + 1;
  }

  /** Twice the room for events, the events so far kept. */
  grow(): void {
    const bigger = new Float64Array(this.buf.length * 2);
    bigger.set(this.buf);
    this.buf = bigger;
  }

  /** The kind of event i. */
  typeOf(i: number): EventType {
    return EVENT_KINDS[this.buf[i * EVENT_STRIDE]].type;
  }

  /** Events [from, to) in log form. */
  events(uc: UnitContext, from = 0, to = this.count): Event[] {
    const out: Event[] = [];
    for (let i = from; i < to; i++) out.push(eventAt(uc, this.buf, i * EVENT_STRIDE));
    return out;
  }
}

/**
 * The emitter of one event kind, generated so that each kind's `apply` is called from a call
 * site of its own (one shared closure would make that call megamorphic in the checker's loop).
 * It takes its slot as `slot` does, written out (one call fewer an event until V8 has optimized
 * the decider: docs/performance.md §10.30), and an event that only records has no `apply` to
 * call.
 */
const emitterOf = (k: EventKind, code: number, sink: EventBuffer): ((...a: number[]) => number) => {
  const n = k.names.length + k.hints;
  const params = Array.from({ length: n }, (_, i) => `a${i}`);
  const body = [
    `const at = sink.count * ${EVENT_STRIDE};`,
    `if (at + ${EVENT_STRIDE} > sink.buf.length) sink.grow();`,
    'const b = sink.buf;',
    `b[at] = ${code};`,
    'sink.count++;',
    'const o = at + 1;',
    ...params.map((p, i) => `b[o + ${i}] = ${p};`),
    ...(k.changesState ? ['apply(sink.ctx, sink.s, b, o);'] : []),
    'return at;',
  ];
  return new Function('sink', 'apply', `return function ${k.type}(${params.join(', ')}) {\n${body.join('\n')}\n};`)(sink, k.apply) as (...a: number[]) => number;
};
