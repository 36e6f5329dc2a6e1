/**
 * Replay that keeps every intermediate state: what a trace viewer needs to show a log event
 * by event. It is `replay` (the same fold through the reducer, the same step numbering and
 * verdicts) with an observer that keeps the reducer's state after each event.
 */
import type { ParsedLog } from '../events/logFormat.ts';
import { initialState } from '../reducer/reduce.ts';
import type { Bytes } from '../state/access.ts';
import { replay, type ReplayResult } from './replay.ts';

export interface ReplayedSteps {
  readonly result: ReplayResult;
  /** the state before the first event (the universe's initial state) */
  readonly initial: Bytes;
  /** states[i]: the state after event i; shorter than the log when an event was rejected */
  readonly states: readonly Bytes[];
  /** stepOf[i]: the 1-based step event i belongs to (replay's numbering, docs/architecture.md §5) */
  readonly stepOf: readonly number[];
}

export const replaySteps = (log: ParsedLog, only?: readonly string[]): ReplayedSteps => {
  const states: Bytes[] = [];
  const stepOf: number[] = [];
  const result = replay(log, only, (_event, step, state) => {
    states.push(state);
    stepOf.push(step);
  });
  return { result, initial: initialState(log.universe), states, stepOf };
};
