/**
 * The visited set and the BFS queue. States are kept packed (src/state/packed.ts), in BFS
 * order, in fixed-size chunks; parent links and action indices per state rebuild shortest
 * traces; an open-addressing Int32Array table of state ids, keyed by the 64-bit fingerprint,
 * finds duplicates.
 *
 * exact mode: every state's packed bytes are kept and a candidate is compared byte by byte
 * (a one-byte tag of the fingerprint skips most mismatches), so no two distinct states are
 * ever merged; fingerprints are not stored, a rehash recomputes them from the bytes.
 * fingerprint mode: the 64-bit fingerprint alone decides; packed bytes are kept only until the
 * state is expanded (the queue), and the report gives the collision probability.
 */
import { Fingerprinter } from './fingerprint.ts';

const CHUNK_STATES = 1 << 16;
const MAX_LOAD = 0.75;

export class StateStore {
  count = 0;
  private mask: number;
  private table: Int32Array;
  /** exact mode: a byte of each state's fingerprint; fingerprint mode: unused */
  private tag: Uint8Array;
  /** fingerprint mode: the fingerprints; exact mode: empty */
  private h1: Uint32Array;
  private h2: Uint32Array;
  parent: Int32Array;
  action: Uint16Array;
  private chunks: (Uint8Array | null)[] = [];
  private words: (Uint32Array | null)[] = [];
  private readonly stateWords: number;
  private readonly fp: Fingerprinter;
  /** states below this id were expanded (fingerprint mode drops their bytes) */
  private released = 0;

  constructor(
    readonly stateBytes: number,
    readonly exact: boolean,
    initialCapacity = 1 << 14,
  ) {
    if (stateBytes % 4 !== 0) throw new Error('state size must be a multiple of 4 bytes');
    this.stateWords = stateBytes >>> 2;
    const cap = Math.max(1 << 10, initialCapacity);
    this.table = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    this.tag = new Uint8Array(exact ? cap : 0);
    this.h1 = new Uint32Array(exact ? 0 : cap);
    this.h2 = new Uint32Array(exact ? 0 : cap);
    this.parent = new Int32Array(cap);
    this.action = new Uint16Array(cap);
    this.fp = new Fingerprinter(new Uint8Array(4));
  }

  /** Packed bytes of state id (valid while it is stored). */
  state(id: number): Uint8Array {
    const chunk = this.chunks[Math.floor(id / CHUNK_STATES)];
    if (!chunk) throw new Error(`state ${id} is no longer stored`);
    const off = (id % CHUNK_STATES) * this.stateBytes;
    return chunk.subarray(off, off + this.stateBytes);
  }

  /** Add a packed state with its fingerprint; returns its new id, or -1 if it was already there. */
  add(bytes: Uint8Array, h1: number, h2: number, parent: number, action: number): number {
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    const tag = h2 & 0xff;
    for (;;) {
      const e = this.table[slot];
      if (e === 0) break;
      const id = e - 1;
      if (this.exact ? this.tag[id] === tag && this.equal(id, bytes) : this.h1[id] === h1 && this.h2[id] === h2) return -1;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if (id >= this.parent.length) this.grow();
    if (this.exact) this.tag[id] = tag;
    else {
      this.h1[id] = h1;
      this.h2[id] = h2;
    }
    this.parent[id] = parent;
    this.action[id] = action;
    const ci = Math.floor(id / CHUNK_STATES);
    if (!this.chunks[ci]) {
      this.chunks[ci] = new Uint8Array(CHUNK_STATES * this.stateBytes);
      this.words[ci] = new Uint32Array(this.chunks[ci]!.buffer);
    }
    this.chunks[ci]!.set(bytes, (id % CHUNK_STATES) * this.stateBytes);
    this.table[slot] = id + 1;
    if (this.count > this.table.length * MAX_LOAD) this.rehash();
    return id;
  }

  /** Fingerprint mode: the bytes of states before id are no longer needed. */
  release(id: number): void {
    if (this.exact) return;
    for (; this.released + CHUNK_STATES <= id; this.released += CHUNK_STATES) {
      this.chunks[this.released / CHUNK_STATES] = null;
      this.words[this.released / CHUNK_STATES] = null;
    }
  }

  /** Bytes held: table, per-state arrays, state chunks. */
  bytesUsed(): number {
    let chunks = 0;
    for (const c of this.chunks) if (c) chunks += c.byteLength;
    return this.table.byteLength + this.tag.byteLength + this.h1.byteLength * 2 + this.parent.byteLength + this.action.byteLength + chunks;
  }

  /** Bytes per state if every array were exactly as long as the count (the asymptotic cost). */
  bytesPerState(): number {
    const perState = (this.exact ? 1 + this.stateBytes : 8) + 4 + 2;
    return perState + (this.table.byteLength / Math.max(1, this.count));
  }

  /** the candidate's words */
  private probeWords: Uint32Array | null = null;
  private equal(id: number, bytes: Uint8Array): boolean {
    const w = this.words[Math.floor(id / CHUNK_STATES)]!;
    const off = (id % CHUNK_STATES) * this.stateWords;
    let p = this.probeWords;
    if (!p || p.buffer !== bytes.buffer || p.byteOffset !== bytes.byteOffset) p = this.probeWords = new Uint32Array(bytes.buffer, bytes.byteOffset, this.stateWords);
    for (let i = 0; i < this.stateWords; i++) if (w[off + i] !== p[i]) return false;
    return true;
  }

  private slotOf(id: number): number {
    let h1: number;
    let h2: number;
    if (this.exact) {
      this.fp.of(this.words[Math.floor(id / CHUNK_STATES)]!, (id % CHUNK_STATES) * this.stateWords, this.stateWords);
      h1 = this.fp.h1;
      h2 = this.fp.h2;
    } else {
      h1 = this.h1[id];
      h2 = this.h2[id];
    }
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    return slot;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      if (a.length === 0) return a;
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.tag = grow(this.tag, (n) => new Uint8Array(n));
    this.h1 = grow(this.h1, (n) => new Uint32Array(n));
    this.h2 = grow(this.h2, (n) => new Uint32Array(n));
    this.parent = grow(this.parent, (n) => new Int32Array(n));
    this.action = grow(this.action, (n) => new Uint16Array(n));
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.count; id++) this.table[this.slotOf(id)] = id + 1;
  }
}
