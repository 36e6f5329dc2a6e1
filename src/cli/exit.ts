/** Exit codes of every subcommand (documented in README.md). */
export const EXIT = {
  ok: 0,
  violation: 1,
  usage: 2,
  depthBound: 3,
  stopped: 4,
  internal: 70,
} as const;
