/**
 * bench/ours.ts --record-steps / --replay-steps: a bench config's search with its steps
 * recorded to a file, or answered from one (src/engine/recordedSteps.ts). The replayed run
 * times the engine and the model's calls other than `step`; a plain run less it is what the
 * steps cost. Both search on this thread, as the bench's timed runs do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createModel, fastPathAfter } from '../src/checker/model.ts';
import { usageExit } from '../src/cli/args.ts';
import { EXIT } from '../src/cli/exit.ts';
import { writeAll } from '../src/cli/output.ts';
import { stoppable, type StopSignal } from '../src/cli/signals.ts';
import { RecordedStepsError, recordingSteps, replayingSteps, type StepReplay } from '../src/engine/recordedSteps.ts';
import { runAsync, runSync, search } from '../src/engine/search.ts';
import type { SearchResult } from '../src/engine/result.ts';
import type { Design } from '../src/state/design.ts';
import type { Universe } from '../src/state/universe.ts';

/** How bench/ours.ts runs a search on this thread (--record-steps, --replay-steps, --levels, --repeat). */
export interface StepsRunOptions {
  readonly universe: Universe;
  readonly design: Design;
  readonly symmetry: boolean;
  readonly exact: boolean;
  readonly noInvariants: boolean;
  readonly fastPath: boolean | 'auto';
}

/**
 * A file that cannot be read or written, or a record that does not fit: one line naming the
 * flag and the file, the usage exit code.
 */
const refuse = (flag: '--record-steps' | '--replay-steps', file: string, e: unknown): never => {
  const code = (e as NodeJS.ErrnoException).code;
  const why = e instanceof RecordedStepsError ? e.message : code !== undefined ? `cannot be ${flag === '--record-steps' ? 'written' : 'read'} (${code})` : (e as Error).message;
  return usageExit(`ours: ${flag} ${file}: ${why}`);
};

/** The largest record a replay reads: one Uint8Array's length at most. */
const RECORD_BYTES_MAX = 2 ** 32 - 1;

/**
 * The whole file in a fresh Uint8Array (a record is read as words from a multiple of 4), read
 * in pieces so that a record larger than one read can return is read too, each piece copied
 * into the array by this process: words read from memory that `read` filled directly (the
 * Buffer of readFileSync, or the array given to readSync) are read much more slowly here
 * (docs/performance.md §10.18), a cost the replay would add to the engine's time.
 */
const readWords = (file: string): Uint8Array => {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > RECORD_BYTES_MAX) throw new RecordedStepsError(`a record of ${size} bytes: a replay reads at most ${RECORD_BYTES_MAX}`);
    const bytes = new Uint8Array(size);
    const piece = Buffer.allocUnsafe(Math.min(size, 1 << 26));
    for (let off = 0; off < size; ) {
      const n = fs.readSync(fd, piece, 0, Math.min(size - off, piece.length), off);
      if (n === 0) throw new RecordedStepsError(`the file ended at byte ${off} of ${size} while it was read`);
      bytes.set(n === piece.length ? piece : piece.subarray(0, n), off);
      off += n;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
};

/** `check`'s model of a bench search, and the invariants whose violation does not stop it (the quality ones, recorded as `check` records them). */
export const benchModel = (o: StepsRunOptions) => {
  const model = createModel({ universe: o.universe, design: o.design, mutant: null, invariants: o.noInvariants ? [] : null, symmetry: o.symmetry, fastPath: o.fastPath });
  const continueOn = o.noInvariants ? [] : model.checked.filter((i) => i.kind === 'quality').map((i) => i.name);
  return { model, continueOn };
};

/**
 * Run the search once, recording its steps to mode.record or answering them from mode.replay.
 * A recording yields to the event loop now and then, so that a stop signal ends it with its
 * temporary file removed and nothing at mode.record (exit 4, EXIT.stopped).
 */
export const recordedStepsRun = async (o: StepsRunOptions, mode: { readonly record: string } | { readonly replay: string }) => {
  const { model, continueOn } = benchModel(o);
  const counts = (r: SearchResult, seconds: number, steps: number) => ({
    verdict: r.verdict,
    distinct: r.distinct,
    generated: r.generated,
    depth: r.depth,
    steps,
    seconds,
  });
  if ('replay' in mode) {
    let replay: StepReplay;
    try {
      replay = replayingSteps(model, readWords(mode.replay));
    } catch (e) {
      return refuse('--replay-steps', mode.replay, e);
    }
    try {
      const t0 = performance.now();
      const r = runSync(search(replay.model, { exact: o.exact, continueOn, yieldEvery: 1 << 30 }));
      const seconds = (performance.now() - t0) / 1000;
      if (replay.steps() !== replay.recorded) throw new RecordedStepsError(`the search took ${replay.steps()} of the record's ${replay.recorded} steps`);
      return { stepsFrom: 'replayed', ...counts(r, seconds, replay.steps()) };
    } catch (e) {
      if (e instanceof RecordedStepsError) return refuse('--replay-steps', mode.replay, e);
      throw e;
    }
  }
  // written to a temporary file beside the target and renamed into place once whole
  const target = mode.record;
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  let fd = -1;
  const dropTemporary = (): void => {
    if (fd >= 0) fs.closeSync(fd);
    fd = -1;
    fs.rmSync(tmp, { force: true });
  };
  process.on('exit', dropTemporary);
  let stoppedBy: StopSignal | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    const recording = recordingSteps(model, (bytes) => writeAll(fd, bytes));
    const t0 = performance.now();
    const r = await stoppable(
      (signal) => (stoppedBy = signal),
      EXIT.stopped,
      () => runAsync(search(recording.model, { exact: o.exact, continueOn }), undefined, () => stoppedBy !== null),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (stoppedBy !== null) {
      dropTemporary();
      console.error(`ours: --record-steps ${target}: the recording was stopped by ${stoppedBy}; nothing written`);
      process.exit(EXIT.stopped);
    }
    recording.finish();
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, target);
    return { stepsFrom: 'recorded', fastPath: fastPathAfter(o.fastPath), ...counts(r, seconds, recording.steps()) };
  } catch (e) {
    dropTemporary();
    // the file system's refusals name the file; anything else is a fault of the search
    if ((e as NodeJS.ErrnoException).code !== undefined) return refuse('--record-steps', target, e);
    throw e;
  }
};
