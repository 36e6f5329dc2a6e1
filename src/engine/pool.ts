/**
 * The parallel search's worker threads and their control words (sharedStore.ts C_*).
 *
 * A worker starts with a bootstrap that registers tsx's loader when the engine runs as
 * TypeScript (tsx, vitest) and imports worker.ts, or imports the bundled worker.mjs beside
 * the bundle this file was bundled into (bin/bundle.js writes both into one directory). The
 * pool is kept for the next search of the same size (a worker costs about half a second to
 * start under tsx), unref'd so that the process can exit while it waits; a search that fails
 * disposes of its pool.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Reply, Request, WorkerInit } from './protocol.ts';
import { C_CAPACITY, C_COUNT, C_DONE, C_ERROR, C_GO, C_HALT, C_MARGIN, C_MAX_STATES, C_NEXT, C_READY, C_TABLE_LIMIT, C_WORDS, HALT_EXTERNAL } from './sharedStore.ts';

/** wait slice */
export const WAIT_MS = 50;

/** The URL of tsx's ESM API (to register its loader in a worker), or null when not found. */
const tsxApi = (): string | null => {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    try {
      const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
      return pathToFileURL(pkg.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
    } catch {
      return null;
    }
  }
};

/** The worker's module: worker.ts beside this file under TypeScript, else worker.mjs beside the bundle. */
const workerModuleUrl = (): string => new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.mjs', import.meta.url).href;

/** The bootstrap a worker evaluates: register tsx when the worker module is TypeScript, then run it. */
const bootstrap = (workerUrl: string, api: string | null): string => {
  const ts = workerUrl.endsWith('.ts');
  if (ts && !api) throw new Error('parallel search: tsx is needed to run the TypeScript worker (npm install tsx)');
  return `
const { workerData } = require('node:worker_threads');
const fail = (e) => {
  const c = new Int32Array(workerData.ctrl);
  try { workerData.port.postMessage({ type: 'error', error: String((e && e.stack) || e) }); } catch {}
  Atomics.store(c, ${C_ERROR}, 1);
  Atomics.add(c, ${C_READY}, 1);
  Atomics.notify(c, ${C_READY});
  Atomics.add(c, ${C_DONE}, 1);
  Atomics.notify(c, ${C_DONE});
};
(${ts ? `import(${JSON.stringify(api)}).then((m) => m.register())` : 'Promise.resolve()'})
  .then(() => import(${JSON.stringify(workerUrl)}))
  .then((m) => m.runWorker())
  .catch(fail);
`;
};

export class Pool {
  readonly ctrlBuf = new SharedArrayBuffer(4 * C_WORDS);
  readonly ctrl = new Int32Array(this.ctrlBuf);
  readonly progressBuf: SharedArrayBuffer;
  readonly progress: Float64Array;
  readonly workers: Worker[] = [];
  readonly replies: MessagePort[] = [];
  readonly inboxes: MessagePort[] = [];
  /** errors the event loop saw (only while an asynchronous run returns to it) */
  readonly failures: string[] = [];
  ready = false;
  disposed = false;

  constructor(readonly size: number) {
    this.progressBuf = new SharedArrayBuffer(8 * size);
    this.progress = new Float64Array(this.progressBuf);
    const api = tsxApi();
    const code = bootstrap(workerModuleUrl(), api);
    for (let i = 0; i < size; i++) {
      const reply = new MessageChannel();
      const inbox = new MessageChannel();
      const init: WorkerInit = { kind: 'engine-bfs-worker', index: i, ctrl: this.ctrlBuf, progress: this.progressBuf, port: reply.port2, inbox: inbox.port2, tsx: api };
      const wk = new Worker(code, { eval: true, execArgv: [], workerData: init, transferList: [reply.port2, inbox.port2] });
      wk.on('error', (e) => this.failures.push(`worker ${i}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
      wk.on('exit', (c) => {
        if (!this.disposed) this.failures.push(`worker ${i} exited (code ${c})`);
      });
      wk.unref();
      reply.port1.unref();
      inbox.port1.unref();
      this.workers.push(wk);
      this.replies.push(reply.port1);
      this.inboxes.push(inbox.port1);
    }
  }

  /** Control words back to a search's start. */
  reset(): void {
    for (const w of [C_COUNT, C_NEXT, C_HALT, C_DONE, C_ERROR, C_CAPACITY, C_TABLE_LIMIT, C_MARGIN]) Atomics.store(this.ctrl, w, 0);
    Atomics.store(this.ctrl, C_MAX_STATES, -1);
    this.progress.fill(0);
  }

  /** Why the pool failed, if it did. */
  failed(): string | null {
    if (this.failures.length) return this.failures.join('\n');
    if (!Atomics.load(this.ctrl, C_ERROR)) return null;
    const msgs: string[] = [];
    for (const port of this.replies)
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) if ((m.message as Reply).type === 'error') msgs.push((m.message as { error: string }).error);
    return msgs.join('\n') || 'a worker failed';
  }

  /** Post one request per worker and start the round. */
  start(reqs: (i: number) => Request): void {
    Atomics.store(this.ctrl, C_DONE, 0);
    for (let i = 0; i < this.size; i++) this.inboxes[i].postMessage(reqs(i));
    Atomics.add(this.ctrl, C_GO, 1);
    Atomics.notify(this.ctrl, C_GO);
  }

  /** The replies of a finished round. */
  collect(): Reply[] {
    const out: Reply[] = [];
    for (let i = 0; i < this.size; i++) {
      let m = receiveMessageOnPort(this.replies[i]);
      for (let k = 0; !m && k < 1_000_000; k++) m = receiveMessageOnPort(this.replies[i]);
      if (!m) throw new Error(`parallel search: no reply from worker ${i}`);
      const r = m.message as Reply;
      if (r.type === 'error') throw new Error(`parallel search: ${r.error}`);
      out.push(r);
    }
    return out;
  }

  /** Block until the control word reaches n (workers idle: a short wait). */
  waitBlocking(word: number, n: number, timeoutMs: number): boolean {
    const t = performance.now();
    for (;;) {
      const v = Atomics.load(this.ctrl, word);
      if (v >= n) return true;
      if (this.failures.length || Atomics.load(this.ctrl, C_ERROR) || performance.now() - t > timeoutMs) return false;
      Atomics.wait(this.ctrl, word, v, WAIT_MS);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const port of this.inboxes) port.postMessage({ type: 'exit' } satisfies Request);
    Atomics.or(this.ctrl, C_HALT, HALT_EXTERNAL);
    Atomics.add(this.ctrl, C_GO, 1);
    Atomics.notify(this.ctrl, C_GO);
    // the exit request ends a waiting worker; terminate ends one still busy (a failed round)
    for (const w of this.workers) w.terminate().catch(() => undefined);
  }
}

let idlePool: Pool | null = null;

/** A pool of n workers for one search (the idle one when it fits, else a new one). */
export const acquire = (n: number): Pool => {
  let p: Pool;
  if (idlePool && idlePool.size === n && !idlePool.disposed && !idlePool.failed()) {
    p = idlePool;
    idlePool = null;
  } else {
    p = new Pool(n);
  }
  p.reset();
  return p;
};

/** Give a pool back after a search: its workers drop the search's memory and wait for the next. */
export const release = (p: Pool, ok: boolean): void => {
  if (ok && p.ready) {
    p.start(() => ({ type: 'end' }));
    ok = p.waitBlocking(C_DONE, p.size, 10_000) && !p.failed();
    if (ok) p.collect();
  }
  if (!ok || !p.ready) {
    p.dispose();
    return;
  }
  if (idlePool && idlePool !== p) idlePool.dispose();
  idlePool = p;
};
