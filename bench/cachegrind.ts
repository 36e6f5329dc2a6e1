/**
 * Instructions executed by a process, counted by valgrind's cachegrind (no cache simulation):
 * the bench's repeatable measure, where wall times on a shared machine are not (docs/
 * performance.md §2 and §10.1), once Node runs its JIT on the main thread and its GC on a
 * fixed schedule (`NODE_FLAGS`). It counts work, not waiting on memory.
 */
import { spawnSync } from 'node:child_process';

/** cachegrind without its cache model, and without its output file (the summary is on stderr) */
export const VALGRIND_ARGS = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null'];

/** Node under valgrind: compile and collect on the main thread, on a fixed schedule, not when other threads get to it. */
export const NODE_FLAGS = ['--single-threaded', '--predictable-gc-schedule'];

/** The total of cachegrind's summary line (`==pid== I   refs:      1,747,722,074`) in a run's output. */
export const instructionsIn = (output: string): number => {
  const m = /==\d+== I\s+refs:\s+([\d,]+)/.exec(output);
  if (!m) throw new Error(`no cachegrind summary ("I refs:") in the output:\n${output.slice(-2000)}`);
  return Number(m[1].replaceAll(',', ''));
};

export interface CountedRun {
  readonly instructions: number;
  /** the program's own standard output */
  readonly stdout: string;
}

/** Run `cmd args` under cachegrind in `cwd`; it must exit 0. */
export const countInstructions = (cmd: string, args: readonly string[], cwd: string): CountedRun => {
  const r = spawnSync('valgrind', [...VALGRIND_ARGS, cmd, ...args], { cwd, maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`valgrind: ${r.error.message}`);
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} under valgrind exited ${r.status}:\n${stderr.slice(-2000)}`);
  return { instructions: instructionsIn(stderr), stdout: r.stdout.toString() };
};
