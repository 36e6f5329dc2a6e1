/**
 * bench/ours.ts --levels and --repeat: where a bench config's search spends its time, for the
 * measurements of docs/performance.md §10. Both search on this thread, as the bench's timed
 * runs do.
 *
 * --levels: one search with a timeline of its levels: when each began (seconds from the
 * search's start), how many states it held, and whether the model's steps ran on the fast path
 * by then, with the paths traced and the whole trees compiled so far (fastPath.ts). The
 * model is `check`'s own (benchModel); the timeline is read where the engine tells the model
 * of each level ahead (Model.levelAhead), so the search runs as a plain one does.
 *
 * --repeat N: the search N times in one process, each with a model of its own (paths traced
 * and compiled afresh), so the runs after the first find the engine and the decider warmed up
 * by V8: the first run's seconds less a later one's is what a cold start costs.
 */
import { checkSync } from '../src/checker/check.ts';
import { runSync, search } from '../src/engine/search.ts';
import { benchModel, type StepsRunOptions } from './steps.ts';

/** One level of a search, as the timeline saw it begin. */
export interface LevelMark {
  readonly depth: number;
  /** the level's states */
  readonly states: number;
  /** seconds from the search's start to the level's */
  readonly seconds: number;
  /** the model's steps ran on the fast path when the level began */
  readonly fastPath: boolean;
  /** paths traced, and whole trees compiled (FastPath.treeCompiles), before the level began */
  readonly paths: number;
  readonly treeCompiles: number;
}

/** The search once, with the time each level began (see the file's comment). */
export const levelsRun = (o: StepsRunOptions) => {
  const { model, continueOn } = benchModel(o);
  const levels: LevelMark[] = [];
  const told = model.levelAhead.bind(model);
  let t0 = 0;
  model.levelAhead = (states: number): void => {
    if (levels.length === 0) t0 = performance.now();
    told(states);
    levels.push({ depth: levels.length, states, seconds: (performance.now() - t0) / 1000, fastPath: model.fast !== null, paths: model.fast?.traced ?? 0, treeCompiles: model.fast?.treeCompiles ?? 0 });
  };
  const r = runSync(search(model, { exact: o.exact, continueOn, yieldEvery: 1 << 30 }));
  const seconds = (performance.now() - t0) / 1000;
  // a whole search expands every state it finds, level by level
  const inLevels = levels.reduce((n, l) => n + l.states, 0);
  if (r.verdict === 'PROVED' && inLevels !== r.distinct) throw new Error(`the levels hold ${inLevels} states, the search found ${r.distinct}`);
  return { verdict: r.verdict, distinct: r.distinct, generated: r.generated, depth: r.depth, seconds, paths: model.fast?.traced ?? 0, treeCompiles: model.fast?.treeCompiles ?? 0, levels };
};

/** The search n times in this process, as the bench's timed run does it (checkSync); each run's counts must agree with the first's. */
export const repeatedRuns = (o: StepsRunOptions, n: number) => {
  const runs: { seconds: number; distinct: number; generated: number }[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = checkSync({ universe: o.universe, design: o.design, symmetry: o.symmetry, exact: o.exact, workers: 1, invariants: o.noInvariants ? [] : undefined, fastPath: o.fastPath });
    runs.push({ seconds: (performance.now() - t0) / 1000, distinct: r.distinct, generated: r.generated });
    if (r.distinct !== runs[0].distinct || r.generated !== runs[0].generated) {
      throw new Error(`run ${i + 1} found ${r.distinct} states and ${r.generated} transitions, the first ${runs[0].distinct} and ${runs[0].generated}`);
    }
  }
  return { runs };
};
