/**
 * `npm run fuzz -- --seconds N [--seed S] [--only NAME,NAME]`: the hostile-input fuzz suite
 * (test/fuzz/hostile.ts) run for N seconds (default 60) instead of the few seconds of `npm
 * test`, plus real child processes (test/fuzz/signals.ts) stopped by a signal at a random
 * moment, or with their stdout failing.
 * The time goes to the properties in turn, in slices by their weight, each slice a fast-check
 * run with its own seed (S + the slice's number). Prints the number of cases run; on a
 * failure, the counterexample (minimised by fast-check), the seed and the path that replay it,
 * and exits 1.
 */
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { scriptArgs, usageExit } from '../src/cli/args.ts';
import { PROPERTIES } from '../test/fuzz/hostile.ts';
import { signalProperty, stdoutProperty } from '../test/fuzz/signals.ts';

const { flags } = scriptArgs(process.argv.slice(2), { seconds: 'int', seed: 'int', only: 'string' }, 'fuzz');
const seconds = flags.seconds === undefined ? 60 : Number(flags.seconds);
if (seconds < 1) usageExit('fuzz: --seconds expects a positive whole number');
const seed = flags.seed === undefined ? Date.now() % 2 ** 31 : Number(flags.seed);
const all = { ...PROPERTIES, signals: { property: signalProperty, weight: 1 }, stdout: { property: stdoutProperty, weight: 1 } } as const;
type Name = keyof typeof all;
const only = flags.only === undefined ? undefined : (String(flags.only).split(',') as Name[]);
for (const n of only ?? []) if (!(n in all)) usageExit(`fuzz: unknown property '${n}' for --only (known: ${Object.keys(all).join(', ')})`);
const names = (Object.keys(all) as Name[]).filter((n) => !only || only.includes(n));

/** seconds a slice of weight 1 takes: every property gets at least two turns, a turn 10 s at most */
const SLICE_SECONDS = Math.min(10, seconds / (2 * names.reduce((n, k) => n + all[k].weight, 0)));
const counts = Object.fromEntries(names.map((n) => [n, 0])) as Record<Name, number>;
const deadline = Date.now() + seconds * 1000;

/**
 * A case that never returns (a loop in the model) would hold this thread past any time limit,
 * fast-check's included: a watchdog thread sees the slice running (the property's index and the
 * slice's seed, in shared memory) and, 60 s past the slice's end, names it and kills the run.
 */
const running = new Int32Array(new SharedArrayBuffer(12)); // [property index + 1, slice seed, slice end in s since start]
const started = Date.now();
const watchdog = new Worker(
  `const { workerData: { running, names, started } } = require('node:worker_threads');
   const fs = require('node:fs');
   setInterval(() => {
     const [who, seed, end] = running;
     if (who > 0 && Date.now() - started > (end + 60) * 1000) {
       fs.writeSync(2, 'fuzz: ' + names[who - 1] + ' has run 60 s past its slice: a case does not return; replay: npm run fuzz -- --only ' + names[who - 1] + ' --seed ' + seed + '\\n');
       process.kill(process.pid, 'SIGKILL');
     }
   }, 1000);`,
  { eval: true, workerData: { running, names, started } },
);
watchdog.unref();
console.log(`fuzz: ${seconds} s, seed ${seed}, properties ${names.join(', ')}`);
for (let slice = 0; Date.now() < deadline; slice++) {
  for (const name of names) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const ms = Math.min(left, all[name].weight * SLICE_SECONDS * 1000);
    const sliceSeed = seed + slice;
    Atomics.store(running, 1, sliceSeed);
    Atomics.store(running, 2, Math.ceil((Date.now() - started + ms) / 1000));
    Atomics.store(running, 0, names.indexOf(name) + 1);
    const details = await fc.check(all[name].property() as fc.IAsyncProperty<[unknown]>, {
      seed: sliceSeed,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: ms,
      markInterruptAsFailure: false,
    });
    counts[name] += details.numRuns;
    if (details.failed) {
      console.log(fc.defaultReportMessage(details) ?? 'failed');
      console.log(String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance));
      console.log(`fuzz: ${name} failed; replay: npm run fuzz -- --only ${name} --seed ${sliceSeed} (fast-check seed ${sliceSeed}, path ${details.counterexamplePath})`);
      process.exit(1);
    }
  }
}
const total = Object.values(counts).reduce((a, b) => a + b, 0);
console.log(`fuzz: ${total} cases in ${seconds} s, none failed (${names.map((n) => `${n} ${counts[n]}`).join(', ')}); seed ${seed}`);
