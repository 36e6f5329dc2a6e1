/**
 * The small named configs, one per design era, whose every reachable state the equality walks
 * step (test/checker/fastPath.test.ts, bundled.test.ts): [config, design, treeMax]. The legacy
 * designs' state spaces are kept small with a smaller memtype tree.
 */
export const WALK_CONFIGS = [
  ['tiny', 'tracked', undefined],
  ['kernel2', 'tracked', undefined],
  ['fork2', 'tracked', undefined],
  ['kernel2', 'precise', undefined],
  ['kernel2', 'tracked@v6.19', undefined],
  ['kernel2', 'legacy@v6.1', 1],
  ['kernel2', 'legacy@v6.9', 1],
  ['fork2', 'legacy@v6.15-rc1', 2],
  ['fork2', 'legacy@v6.15', 2],
  ['kernel2', 'legacy@stable-6.1', 1],
] as const;
