/**
 * The sequential visited set (src/engine/store.ts) on its own, with more states than the
 * searches of the suite put in it: fingerprint mode's table of bare fingerprints through its
 * growths (not a power of two), and its trace links written to and read back from the file
 * (spill.ts); exact mode beside it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateStore } from '../../src/engine/store.ts';
import { SpillError, SpillFiles } from '../../src/engine/spill.ts';
import { fcParams } from '../support/seed.ts';

const N = 150_000;
/** a deterministic stream of 32-bit words (xorshift32) */
const words = (seed: number) => {
  let x = seed;
  return (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
};

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

const fill = (store: StateStore) => {
  const next = words(20261126);
  const fps: [number, number][] = [];
  const bytes = new Uint8Array(4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < N; i++) {
    const fp: [number, number] = [next(), next()];
    fps.push(fp);
    view.setUint32(0, i);
    const id = store.add(bytes, fp[0], fp[1], i - 1, i % 65_536);
    if (id !== i) throw new Error(`state ${i} added as ${id}`);
  }
  return fps;
};

describe('StateStore', () => {
  it('fingerprint mode: finds every fingerprint again through its growths, links from the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-test-'));
    process.env.TMPDIR = dir;
    const store = new StateStore(4, false);
    const fps = fill(store);
    expect(store.count).toBe(N);
    const bytes = new Uint8Array(4);
    const again = fps.filter(([h1, h2]) => store.add(bytes, h1, h2, 0, 0) !== -1);
    expect(again).toEqual([]);
    // a different second half is a different state
    expect(store.add(bytes, fps[0][0], fps[0][1] ^ 1, 0, 0)).toBe(N);
    // the links: in the file (the first records) and in the write buffer (the last ones)
    expect(store.diskBytes()).toBeGreaterThan(0);
    for (const id of [0, 1, 4_095, 32_767, 32_768, 99_999, N - 1]) {
      expect(store.parentOf(id)).toBe(id - 1);
      expect(store.actionOf(id)).toBe(id % 65_536);
    }
    expect(store.parentOf(N)).toBe(0);
    // the queue: the second chunk (65,536 states) was full while the first was being read, so
    // it went to the file; the search reads every state back in order
    expect(store.diskBytes()).toBeGreaterThan(65_536 * 4);
    const wrong: number[] = [];
    for (let id = 0; id <= N; id++) {
      const chunk = store.stateChunk(id);
      if (new DataView(chunk.buffer, chunk.byteOffset + store.stateOffset(id), 4).getUint32(0) !== (id === N ? 0 : id)) wrong.push(id);
    }
    expect(wrong).toEqual([]);
    // memory: the table alone once the queue is released (load 0.57 to 0.85)
    store.release(N + 1);
    expect(store.bytesPerState()).toBeGreaterThanOrEqual(8 / 0.85);
    expect(store.bytesPerState()).toBeLessThanOrEqual(8 / 0.56);
    // the files are open but already unlinked: nothing of them is left in TMPDIR by name
    expect(fs.readdirSync(dir)).toEqual([]);
    store.close();
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  });

  it('fingerprint mode: a table with reserved space grows in place and answers as the copied one does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-inplace-'));
    process.env.TMPDIR = dir;
    const copied = new StateStore(4, false);
    const inPlace = new StateStore(4, false, undefined, 1 << 30);
    // outgrown: room for a few growths, then copies
    const outgrown = new StateStore(4, false, undefined, 1 << 20);
    const next = words(7);
    const bytes = new Uint8Array(4);
    const seen: [number, number][] = [];
    for (let i = 0; i < N; i++) {
      // one in four adds repeats an earlier fingerprint
      const fp: [number, number] = i % 4 === 3 ? seen[next() % seen.length] : [next(), next()];
      if (i % 4 !== 3) seen.push(fp);
      const ids = [copied, inPlace, outgrown].map((st) => st.add(bytes, fp[0], fp[1], i - 1, 0));
      if (ids[1] !== ids[0] || ids[2] !== ids[0]) throw new Error(`add ${i}: ids ${ids.join(', ')}`);
    }
    expect(inPlace.count).toBe(seen.length);
    expect(inPlace.fpGrowths).toEqual({ inPlace: copied.fpGrowths.copied, copied: 0 });
    expect(outgrown.fpGrowths.inPlace).toBeGreaterThan(0);
    expect(outgrown.fpGrowths.copied).toBeGreaterThan(0);
    expect(inPlace.bytesPerState()).toBe(copied.bytesPerState());
    for (const [h1, h2] of seen) expect(inPlace.add(bytes, h1, h2, 0, 0)).toBe(-1);
    for (const st of [copied, inPlace, outgrown]) st.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('fingerprint mode: growing in place keeps every fingerprint findable, clusters and wrap-around included (property)', () => {
    // with h2 = 0 a fingerprint's key is h1: keys near both ends of the range make a long
    // cluster at the first slot and one at the last that wraps past it; the others spread
    const fpArb = fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: -256, max: -1 })),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
    );
    fc.assert(
      fc.property(fc.array(fpArb, { minLength: 3000, maxLength: 5000 }), (fps) => {
        const st = new StateStore(4, false, 1024, 1 << 26);
        const bytes = new Uint8Array(4);
        const known = new Set<string>();
        for (const [h1, h2] of fps) {
          // [0, 0] is kept as [0, 1]: the same fingerprint
          const k = h1 === 0 && h2 === 0 ? '0,1' : `${h1},${h2}`;
          const id = st.add(bytes, h1, h2, -1, 0);
          if ((id >= 0) === known.has(k)) return false;
          known.add(k);
        }
        for (const k of known) {
          const [h1, h2] = k.split(',').map(Number);
          if (st.add(bytes, h1, h2, -1, 0) !== -1) return false;
        }
        const ok = st.count === known.size && st.fpGrowths.copied === 0 && st.fpGrowths.inPlace > 0;
        st.close();
        return ok;
      }),
      fcParams(60),
    );
  });

  it('fingerprint mode: a process killed (SIGKILL) while its spill files are open leaves nothing behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-kill-'));
    // a store filled past its write buffer and a queue chunk (so both files hold data), never
    // closed: the process reports what is on disk, then kills itself
    const code = `import { StateStore } from './src/engine/store.ts';
      const s = new StateStore(4, false);
      const b = new Uint8Array(4);
      for (let i = 0; i < 200000; i++) s.add(b, i + 1, i * 7 + 3, i - 1, 0);
      const fs = await import('node:fs');
      const open = fs.readdirSync('/proc/self/fd').map((f) => { try { return fs.readlinkSync('/proc/self/fd/' + f); } catch { return ''; } }).filter((l) => l.includes('pfnmap-spill-'));
      console.log(JSON.stringify({ disk: s.diskBytes(), named: fs.readdirSync(process.env.TMPDIR).filter((f) => f.startsWith('pfnmap-spill-')).length, open }));
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, TMPDIR: dir }, timeout: 60_000 });
    expect(r.signal).toBe('SIGKILL');
    const seen = JSON.parse(r.stdout.trim()) as { disk: number; named: number; open: string[] };
    expect(seen.disk).toBeGreaterThan(65_536 * 4);
    expect(seen.named).toBe(0);
    // two files in use through their descriptors, both marked deleted by the system
    expect(seen.open).toHaveLength(2);
    for (const l of seen.open) expect(l).toMatch(/\(deleted\)$/);
    // (tsx keeps a cache of its own there)
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('pfnmap-spill-'))).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  });

  it('fingerprint mode: where an open file cannot be unlinked, it stays until close()', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-keep-'));
    process.env.TMPDIR = dir;
    const unlink = vi.spyOn(fs, 'unlinkSync').mockImplementation(() => {
      throw Object.assign(new Error('busy'), { code: 'EBUSY' });
    });
    try {
      const files = new SpillFiles();
      const { fd, path: file } = files.open('links.bin');
      fs.writeSync(fd, Uint8Array.of(1, 2, 3));
      expect(fs.readFileSync(file)).toEqual(Buffer.from([1, 2, 3]));
      expect(fs.readdirSync(dir)).toHaveLength(1);
      files.close();
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      unlink.mockRestore();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('fingerprint mode: the fingerprint [0, 0] is kept (as [0, 1]) and found again', () => {
    const store = new StateStore(4, false);
    const bytes = new Uint8Array(4);
    expect(store.add(bytes, 0, 0, -1, 0)).toBe(0);
    expect(store.add(bytes, 0, 0, 0, 1)).toBe(-1);
    expect(store.add(bytes, 0, 1, 0, 1)).toBe(-1);
    store.close();
  });

  it('exact mode: links in memory, no file', () => {
    const store = new StateStore(4, true);
    fill(store);
    expect(store.diskBytes()).toBe(0);
    expect(store.parentOf(99_999)).toBe(99_998);
    expect(store.actionOf(99_999)).toBe(99_999 % 65_536);
    store.close();
  });

  it('fingerprint mode: a trace-link file that cannot be created is a one-line error naming the directory', () => {
    process.env.TMPDIR = '/nonexistent/pfnmap-tmp';
    const store = new StateStore(4, false);
    expect(() => fill(store)).toThrow(SpillError);
    expect(() => fill(new StateStore(4, false))).toThrow(/fingerprint mode: creating a directory in \/nonexistent\/pfnmap-tmp failed: ENOENT .*TMPDIR/);
  });
});
