/**
 * The shape of an invariant: a named predicate over a packed state (MODEL.md §5). `check`
 * returns null when the state keeps it, or a message with the concrete values that break it.
 * Invariants read state only; they never see events, machines or the reducer.
 */
import type { Bytes } from '../src/state/access.ts';
import type { View } from '../src/state/describe.ts';

export type DesignKind = 'tracked' | 'legacy' | 'precise';

export interface Invariant {
  readonly name: string;
  /** safety: a kernel bug when broken; quality: a limitation the design may accept. */
  readonly kind: 'safety' | 'quality';
  readonly statement: string;
  /** Designs it applies to (all when absent). */
  readonly designs?: readonly DesignKind[];
  readonly check: (w: View, s: Bytes) => string | null;
}
