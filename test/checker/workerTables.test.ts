/**
 * A worker thread of the parallel search runs the machines the main thread compiled
 * (src/checker/model.ts `tablesOf`, models/compile.ts `adoptStrings`): in a fresh thread the
 * string table agrees with the sender's, so the tables it was sent are used as they are; in a
 * thread that numbered a string differently first, they are not (their programs hold the
 * sender's codes), and it compiles its own. That the searches agree is parallel.test.ts's part.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { stringTable } from '../../models/compile.ts';
import { compileTables } from '../../models/tables.ts';
import { TRACKED } from '../../src/state/design.ts';

const MODEL = new URL('../../src/checker/model.ts', import.meta.url).href;
const COMPILE = new URL('../../models/compile.ts', import.meta.url).href;

interface Reply {
  readonly adopted: boolean;
  readonly strings: readonly string[];
  readonly memtypeNext: readonly number[];
}

/** In a new thread (under tsx): optionally number one string first, then take the tables sent. */
const inWorker = (numberFirst: string | null): Promise<Reply> => {
  const tables = compileTables({ refcountMax: 3 }, TRACKED);
  // a property compiling never makes: present in the result only if the sent object was used
  const sent = { tables: { ...tables, sentByMain: true }, strings: stringTable() };
  const code = `
const { parentPort, workerData } = require('node:worker_threads');
import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => Promise.all([import(${JSON.stringify(COMPILE)}), import(${JSON.stringify(MODEL)})]))
  .then(([compile, model]) => {
    if (workerData.numberFirst !== null) compile.stringCode(workerData.numberFirst);
    const t = model.tablesOf({ refcountMax: 3 }, workerData.design, null, workerData.compiled);
    parentPort.postMessage({ adopted: 'sentByMain' in t, strings: compile.stringTable(), memtypeNext: Array.from(t.memtype.next) });
  })
  .catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { compiled: sent, design: TRACKED, numberFirst } });
    w.once('message', (m: Reply & { error?: string }) => {
      void w.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    w.once('error', reject);
  });
};

describe('compiled machines sent to a worker thread', () => {
  it('a fresh thread uses them, numbering its strings as the sender does', async () => {
    const r = await inWorker(null);
    expect(r.adopted).toBe(true);
    expect(r.strings.slice(0, stringTable().length)).toEqual(stringTable());
  }, 60_000);

  it('a thread whose string codes disagree compiles its own, to the same machine', async () => {
    const r = await inWorker('a string no machine emits');
    expect(r.adopted).toBe(false);
    expect(r.memtypeNext).toEqual(Array.from(compileTables({ refcountMax: 3 }, TRACKED).memtype.next));
  }, 60_000);
});
