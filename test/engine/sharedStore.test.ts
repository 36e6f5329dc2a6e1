/**
 * The shared visited set (src/engine/sharedStore.ts) under concurrent inserts: worker threads
 * insert the same states in different orders, with fingerprints made to share table keys
 * (runs of equal keys; key 0, written 1, beside key 1 on the same h2; equal keys on distinct
 * fingerprints), and every state must be stored once, under one of the ids 0..n-1, with its
 * bytes, its fingerprint and the smallest BFS key any worker gave it. The table grows in place
 * (within a reservation) as it grows by copying.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { C_COUNT, C_GO, C_TABLE_LIMIT, C_WORDS, SEG_MASK, SEG_SHIFT, SharedStoreOwner } from '../../src/engine/sharedStore.ts';
import { fcParams } from '../support/seed.ts';

const WORKERS = 3;
const N = 20_000;
const KEYS = 2048;
const STATE_WORDS = 4;

const stateWords = (s: number): number[] => [s, Math.imul(s, 7), 0, 0xdeadbeef];
/**
 * State s's fingerprint: exact mode (the bytes decide), h1 = (s % KEYS) * 32 and h2 = 0, so
 * runs of about 10 states share a key, 32 slots apart; fingerprint mode, states 2m and 2m + 1
 * have h2 = m and keys k and k + 1 with k = (m % KEYS) * 32 (keys 0 and 1 share key word 1).
 */
const fingerprint = (s: number, exact: boolean): [number, number] => {
  if (exact) return [(s % KEYS) << 5, 0];
  const h2 = s >>> 1;
  const key = ((h2 % KEYS) << 5) | (s & 1);
  return [(key ^ Math.imul(h2, 0x9e3779b1)) >>> 0, h2];
};
/** Worker k's order: workers 0 and 1 in step (they race for every state), worker 2 another permutation. */
const orderOf = (k: number): number[] => Array.from({ length: N }, (_, j) => (k < 2 ? j : (j * 7 + 13) % N));

const workerCode = (storeUrl: string, tsxUrl: string): string => `
const { workerData, parentPort } = require('node:worker_threads');
import(${JSON.stringify(tsxUrl)}).then((m) => m.register()).then(() => import(${JSON.stringify(storeUrl)})).then((S) => {
  const { ctrl, segments, table, exact, k, order, states, fps } = workerData;
  const c = new Int32Array(ctrl);
  const st = new S.SharedStore(${4 * STATE_WORDS}, exact, c);
  for (const seg of segments) st.attachSegment(seg);
  st.attachTable(table);
  const w = new Uint32Array(${STATE_WORDS});
  const got = new Int32Array(order.length);
  parentPort.postMessage('ready');
  while (Atomics.load(c, S.C_GO) === 0);
  for (let j = 0; j < order.length; j++) {
    const s = order[j];
    for (let i = 0; i < w.length; i++) w[i] = states[s * w.length + i];
    got[j] = st.insert(w, fps[2 * s], fps[2 * s + 1], j * ${WORKERS} + k);
  }
  parentPort.postMessage(got);
});
`;

const race = async (exact: boolean, reserve: number): Promise<void> => {
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * C_WORDS));
  const store = new SharedStoreOwner(4 * STATE_WORDS, exact, ctrl, 1 << 16, reserve);
  store.addSegment();
  const states = new Uint32Array(N * STATE_WORDS);
  const fps = new Uint32Array(2 * N);
  for (let s = 0; s < N; s++) {
    states.set(stateWords(s), s * STATE_WORDS);
    fps.set(fingerprint(s, exact), 2 * s);
  }
  const code = workerCode(new URL('../../src/engine/sharedStore.ts', import.meta.url).href, import.meta.resolve('tsx/esm/api'));
  const orders = Array.from({ length: WORKERS }, (_, k) => orderOf(k));
  const workers = orders.map(
    (order, k) =>
      new Worker(code, {
        eval: true,
        workerData: { ctrl: ctrl.buffer, segments: store.segmentBuffers, table: store.tableRef, exact, k, order, states, fps },
      }),
  );
  const next = (wk: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      wk.once('message', resolve);
      wk.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    const results = workers.map(next);
    Atomics.store(ctrl, C_GO, 1);
    Atomics.notify(ctrl, C_GO);
    const got = (await Promise.all(results)) as Int32Array[];

    // each state new exactly once, the ids exactly 0..N-1, no hole
    const idOf = new Int32Array(N).fill(-1);
    const twice: number[] = [];
    got.forEach((ids, k) =>
      ids.forEach((id, j) => {
        if (id < 0) return;
        const s = orders[k][j];
        if (idOf[s] >= 0) twice.push(s);
        idOf[s] = id;
      }),
    );
    expect(twice).toEqual([]);
    // no hole: exactly N ids reserved, and (below) each of 0..N-1 is one of the states
    expect(Atomics.load(ctrl, C_COUNT)).toBe(N);
    expect([...idOf].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
    // each stored with its bytes, its fingerprint and the smallest key among its discoveries
    const minKey = new Float64Array(N).fill(Infinity);
    orders.forEach((o, k) => o.forEach((s, j) => (minKey[s] = Math.min(minKey[s], j * WORKERS + k))));
    const wrong: number[] = [];
    for (let s = 0; s < N; s++) {
      const id = idOf[s];
      const seg = id >>> SEG_SHIFT;
      const i = id & SEG_MASK;
      const words = [...store.words[seg]!.subarray(i * STATE_WORDS, (i + 1) * STATE_WORDS)];
      const fp = exact ? [] : [store.h2[seg][i]];
      if (
        words.join() !== stateWords(s).map((x) => x >>> 0).join() ||
        fp.join() !== (exact ? [] : [fingerprint(s, exact)[1]]).join() ||
        store.actionOf(id) !== minKey[s]
      )
        wrong.push(s);
    }
    expect(wrong).toEqual([]);
    // a rehash (in place within a reservation, else a copy) keeps every state findable (a second insert finds it)
    store.rehash(1 << 17);
    expect(store.growths).toEqual(reserve > 0 ? { inPlace: 1, copied: 0 } : { inPlace: 0, copied: 1 });
    for (let s = 0; s < N; s++) {
      const [h1, h2] = fingerprint(s, exact);
      if (store.insert(Uint32Array.from(stateWords(s)), h1, h2, 0) !== -1) wrong.push(s);
    }
    expect(wrong).toEqual([]);
    expect(Atomics.load(ctrl, C_COUNT)).toBe(N);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
};

describe('shared store', () => {
  it('concurrent inserts of the same states, exact mode (keys shared by many states), grown in place', () => race(true, 1 << 22), 30_000);
  it('concurrent inserts of the same states, fingerprint mode (equal keys on distinct fingerprints), grown by copying', () => race(false, 0), 30_000);

  it('fingerprint mode: a level written to the level file in BFS order reads back by position, its segments dropped', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * C_WORDS));
    const store = new SharedStoreOwner(8, false, ctrl, 1 << 18);
    store.addSegment();
    store.addSegment();
    const n = SEG_MASK + 5000; // over two segments
    const w = new Uint32Array(2);
    for (let s = 0; s < n; s++) {
      w[0] = s;
      w[1] = ~s;
      if (store.insert(w, s, s, 0) !== s) throw new Error(`state ${s} not new`);
    }
    // a BFS order that is not the id order
    const order = Int32Array.from({ length: n }, (_, r) => (r * 7919) % n);
    try {
      store.writeLevel(order, n);
      // segment 0 lies wholly below n, segment 1 also holds the ids after it
      expect(store.dropBytesBelow(n)).toEqual([0]);
      store.dropBytes(1);
      const got = new Uint8Array(8);
      const words = new Uint32Array(got.buffer);
      const wrong: number[] = [];
      for (let pos = 0; pos < n; pos += 97) {
        store.levelState(pos, got);
        if (words[0] !== order[pos] || words[1] !== ~order[pos] >>> 0) wrong.push(pos);
      }
      expect(wrong).toEqual([]);
      expect(store.diskBytes()).toBe(8 * n);
    } finally {
      store.close();
    }
  });

  it('a table grown in place answers as a copied one, clusters and wrap-around included (property)', () => {
    // the home slot is the key's low bits: keys near 0 and near the mask (wrapping past the
    // last slot) make long clusters at both ends; h2 = 0 makes the key h1 itself
    const keyArb = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -300, max: -1 }), fc.integer()), fc.constant(0));
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { minLength: 2000, maxLength: 4000, selector: ([h1]) => h1 }), (fps) => {
        const stores = [0, 1 << 20].map((reserve) => {
          const st = new SharedStoreOwner(4, false, new Int32Array(new SharedArrayBuffer(4 * C_WORDS)), 1 << 10, reserve);
          st.addSegment();
          return st;
        });
        const w = new Uint32Array(1);
        for (let s = 0; s < fps.length; s++) {
          const [h1, h2] = fps[s];
          w[0] = s;
          for (const st of stores) {
            if (st.insert(w, h1, h2, s) !== s) return false;
            // grown as the parallel search grows it: twice the slots at the load limit
            if (st.count >= Atomics.load(st.ctrl, C_TABLE_LIMIT)) st.rehash(2 * st.slots);
          }
        }
        for (let s = 0; s < fps.length; s++) for (const st of stores) if (st.insert(w, fps[s][0], fps[s][1], 0) !== -1) return false;
        const [copied, inPlace] = stores;
        return (
          copied.growths.inPlace === 0 &&
          inPlace.growths.copied === 0 &&
          inPlace.growths.inPlace === copied.growths.copied &&
          inPlace.growths.inPlace >= 2 &&
          inPlace.bytesUsed() === copied.bytesUsed()
        );
      }),
      fcParams(40),
    );
  });
});
