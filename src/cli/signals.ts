/**
 * The stop signals: SIGINT (Ctrl-C), SIGTERM (what `timeout`, CI runners and service managers
 * send) and SIGHUP (the terminal went away) are one thing to the CLI.
 *
 * - While a search runs (`stoppable`), the first one stops it cleanly: the search halts at its
 *   next yield, its workers and temporary files go with it, and the STOPPED report is
 *   printed with the figures so far (exit 4). A second one ends the process at once.
 * - While an output file is written (`holdingSignals`, a few milliseconds), a signal waits
 *   until the file is whole and renamed into place, then ends the process as it would have
 *   (so no temporary file is left beside the output).
 * - Otherwise nothing is installed: a signal ends the process as the system's default does
 *   (the synchronous commands hold no temporary file; a listener there would only delay it).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

let onStop: ((signal: StopSignal) => void) | null = null;
let installed = false;

const listener = (signal: StopSignal): void => {
  if (onStop) {
    onStop(signal);
    return;
  }
  // a signal held while an output was written: end the process by it, as by default
  uninstall();
  process.kill(process.pid, signal);
};

const install = (): void => {
  if (installed) return;
  installed = true;
  for (const s of STOP_SIGNALS) process.on(s, listener);
};

const uninstall = (): void => {
  if (!installed) return;
  installed = false;
  for (const s of STOP_SIGNALS) process.off(s, listener);
};

/** Release the listeners after the event loop has delivered any signal that arrived meanwhile. */
const releaseSoon = (): void => {
  setImmediate(() => {
    if (!onStop) uninstall();
  });
};

/**
 * Run an async job that stops cleanly on a stop signal: stop(signal) is called on the first
 * one (the job then winds up by itself), the second one exits at once with exitCode.
 */
export const stoppable = async <T>(stop: (signal: StopSignal) => void, exitCode: number, job: () => Promise<T>): Promise<T> => {
  let seen: StopSignal | null = null;
  onStop = (signal) => {
    if (seen) {
      process.stderr.write(`\npfnmap: ${signal} after ${seen}: stopping now, without the report\n`);
      process.exit(exitCode);
    }
    seen = signal;
    stop(signal);
  };
  install();
  try {
    return await job();
  } finally {
    onStop = null;
    releaseSoon();
  }
};

/** Run a synchronous section with stop signals held until it is over (see the top of this file). */
export const holdingSignals = <T>(section: () => T): T => {
  install();
  try {
    return section();
  } finally {
    releaseSoon();
  }
};
