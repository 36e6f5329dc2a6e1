/**
 * The reducer: (state, event) → Either<Rejection, state>, for events in log form (replay,
 * scenario, diff, conform). Pure and total: it never throws and never mutates its input. An
 * event is converted to its integer form (the units of its fields checked), checked against
 * the state by its kind's `validate`, and applied to a copy by its kind's `apply`: the same
 * handler the checker runs (evolve.ts).
 */
import * as E from 'fp-ts/lib/Either.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { KIND, EVENT_KINDS, type Event } from '../events/codecs.ts';
import { deepestError } from '../events/decodeError.ts';
import type { Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import type { Layout } from '../state/layout.ts';
import type { Universe } from '../state/universe.ts';
import { EVENT_STRIDE, applyEvent, encodeEvent, evolveContext, initialState, unitContext, validateEvent, type Rejection } from './evolve.ts';

export { initialState, type Rejection };

export type Reduced = E.Either<Rejection, Bytes>;

export interface Reducer {
  readonly L: Layout;
  readonly reduce: (s: Bytes, e: Event) => Reduced;
}

export const makeReducer = (u: Universe, design: Design): Reducer => {
  const c = evolveContext(u, design);
  const uc = unitContext(u, design);
  const b = new Float64Array(EVENT_STRIDE);
  const reduce = (s: Bytes, e: Event): Reduced => {
    try {
      const code = (KIND as Record<string, number>)[(e as { type?: string })?.type ?? ''];
      if (code === undefined) return E.left({ message: `unknown event type ${JSON.stringify((e as { type?: unknown })?.type)}`, field: 'type' });
      const decoded = EVENT_KINDS[code].codec.decode(e);
      if (isLeft(decoded)) {
        const d = deepestError(decoded.left);
        return E.left({ message: `expected ${d.expected}, got ${JSON.stringify(d.value) ?? String(d.value)}`, field: d.path || undefined });
      }
      const bad = encodeEvent(uc, decoded.right as Event, b, 0) ?? validateEvent(c, s, b, 0);
      if (bad) return E.left(bad);
      const next = new Uint8Array(s);
      applyEvent(c, next, b, 0);
      return E.right(next);
    } catch (x) {
      return E.left({ message: `cannot apply ${(e as { type?: string })?.type}: ${(x as Error).message}` });
    }
  };
  return { L: c.L, reduce };
};
