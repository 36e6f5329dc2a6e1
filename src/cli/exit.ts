/** Exit codes of every subcommand (documented in README.md). */
export const EXIT = {
  ok: 0,
  violation: 1,
  usage: 2,
  /** NO VIOLATION UP TO DEPTH k, or WITHIN BOUNDS (treeMax): not a proof */
  bounded: 3,
  stopped: 4,
  /** check: a whole search of a named config gave another result than its pin (src/checker/configs.ts) */
  pinDrift: 5,
  internal: 70,
} as const;
