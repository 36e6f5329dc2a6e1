export type { Invariant, DesignKind } from './invariant.ts';
export { INVARIANTS, invariantsFor, invariantNamed } from './registry.ts';
