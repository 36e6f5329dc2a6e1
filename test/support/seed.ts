/**
 * The fast-check seed: FC_SEED from the environment (CI fixes it in .ci/run), else a fixed
 * default. Logged so a failure can be replayed: FC_SEED=<seed> npm test.
 */
export const SEED = Number(process.env.FC_SEED ?? 20261125);
let logged = false;
export const fcParams = (numRuns: number) => {
  if (!logged) {
    logged = true;
    console.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  }
  return { seed: SEED, numRuns };
};
