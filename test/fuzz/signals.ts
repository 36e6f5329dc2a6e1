/**
 * Real child processes of bin/pfnmap.js whose stdout fails (a full disk: /dev/full; a pipe
 * whose reader is gone) must end with exit 2 and one line on stderr; and child processes stopped by a stop signal (SIGINT, SIGTERM, SIGHUP) at
 * a random moment of a search, with one or two workers, exact or fingerprint storage: exit 4
 * with the STOPPED report, its figures and the signal's name, nothing on stderr, no
 * temporary file left in the run's own TMPDIR. A signal that comes while the process is
 * still starting (before the search installs its handlers) ends it as by default, leaving
 * nothing.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

const ROOT = join(import.meta.dirname, '..', '..');

export interface SignalRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** what was left in the run's TMPDIR */
  readonly left: readonly string[];
}

/**
 * Retry a child's run when the machine could not start it (fork failing with ENOMEM or EAGAIN
 * while other jobs hold the memory): that is the machine's state, not the CLI's behaviour.
 */
const retryingSpawn = async <T>(start: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'ENOMEM' && code !== 'EAGAIN')) throw e;
      await new Promise((r) => setTimeout(r, 2000 * attempt));
    }
  }
};

/** Run bin/pfnmap.js with args, send signal after delayMs, wait for the end. */
export const runAndSignal = (args: readonly string[], signal: NodeJS.Signals, delayMs: number): Promise<SignalRun> => retryingSpawn(() => startAndSignal(args, signal, delayMs));

const startAndSignal = (args: readonly string[], signal: NodeJS.Signals, delayMs: number): Promise<SignalRun> => {
  const tmp = mkdtempSync(join(tmpdir(), 'pfnmap-sig-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/pfnmap.js', ...args], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.exitCode === null && child.kill(signal), delayMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(guard);
      clearTimeout(timer);
      rmSync(tmp, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(guard);
      clearTimeout(timer);
      const left = readdirSync(tmp);
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, signal: sig, stdout, stderr, left });
    });
  });
};

export const signalProperty = () =>
  fc.asyncProperty(
    fc.constantFrom<NodeJS.Signals>('SIGINT', 'SIGTERM', 'SIGHUP'),
    fc.integer({ min: 200, max: 4000 }),
    fc.constantFrom(['--workers', '1'], ['--workers', '2'], ['--workers', '1', '--fingerprint'], ['--workers', '2', '--fingerprint']),
    async (signal, delay, flags) => {
      const r = await runAndSignal(['check', '--config', 'medium', ...flags], signal, delay);
      const why = (s: string) => new Error(`${s}: ${signal} after ${delay} ms, ${flags.join(' ')}: exit ${r.code} (${r.signal}), stderr ${JSON.stringify(r.stderr)}`);
      if (r.left.length) throw why(`left in TMPDIR: ${r.left.join(', ')}`);
      // a signal before the search began (the process still starting) ends it as by default
      if (r.code === null && r.signal === signal && r.stdout === '' && r.stderr === '') return;
      if (r.code !== 4 && r.code !== 0) throw why('not exit 4');
      if (r.code === 4 && !/^STOPPED at the interrupt/m.test(r.stdout)) throw why('no STOPPED report');
      if (r.code === 4 && !new RegExp(`stopped by ${signal}`).test(r.stdout)) throw why('the report does not name the signal');
      if (r.code === 4 && !/states: [\d,]+ distinct/.test(r.stdout)) throw why('no figures');
      if (r.stderr.trim() !== '') throw why('output on stderr');
    },
  );

/** Commands that print something, for the stdout property. */
const PRINTING = [
  ['list'],
  ['check', '--config', 'tiny'],
  ['check', '--config', 'tiny', '--design', 'legacy@v6.1', '--json'],
  ['replay', 'test/fixtures/logs/double-free.ndjson'],
  ['scenario', 'all'],
  ['simulate', '--walks', '5', '--steps', '5', '--seed', '1'],
  ['diff', 'munmap_split'],
  ['repro', 'fork'],
  ['conform', 'test/fixtures/kernel/6.1.192/munmap_whole.ndjson'],
];

/** Run bin/pfnmap.js with its stdout on /dev/full, or on a pipe whose reader closes at once. */
export const runFailingStdout = (args: readonly string[], how: 'full' | 'closed-pipe'): Promise<{ code: number | null; stderr: string }> =>
  retryingSpawn(() => startFailingStdout(args, how));

const startFailingStdout = (args: readonly string[], how: 'full' | 'closed-pipe'): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve, reject) => {
    const full = how === 'full' ? openSync('/dev/full', 'w') : -1;
    const child = spawn(process.execPath, ['bin/pfnmap.js', ...args], { cwd: ROOT, stdio: ['ignore', how === 'full' ? full : 'pipe', 'pipe'] });
    if (full >= 0) closeSync(full);
    else child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(guard);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });

export const stdoutProperty = () =>
  fc.asyncProperty(fc.constantFrom(...PRINTING), fc.constantFrom<'full' | 'closed-pipe'>('full', 'closed-pipe'), async (args, how) => {
    const r = await runFailingStdout(args, how);
    const lines = r.stderr.trimEnd().split('\n');
    if (r.code !== 2 || lines.length !== 1 || !/^pfnmap: cannot write the standard output: .*; the output is incomplete$/.test(lines[0]))
      throw new Error(`${args.join(' ')} with stdout ${how}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
  });
