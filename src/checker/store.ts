/**
 * The visited set and the BFS queue: open addressing over an Int32Array keyed by the 64-bit
 * fingerprint, parent links and action indices per state (to rebuild shortest traces), and
 * the states themselves in BFS order in fixed-size chunks.
 *
 * exact mode: every state's bytes are kept; a fingerprint match is confirmed byte by byte, so
 * no two distinct states are ever merged. fingerprint mode: only the fingerprint decides;
 * state bytes are kept only until the state is expanded (the queue), and the report gives the
 * collision probability.
 */
const CHUNK_STATES = 1 << 16;

export class StateStore {
  count = 0;
  private mask: number;
  private table: Int32Array;
  private h1: Uint32Array;
  private h2: Uint32Array;
  parent: Int32Array;
  action: Int32Array;
  private chunks: (Uint8Array | null)[] = [];
  private words: (Uint32Array | null)[] = [];
  private readonly stateWords: number;
  /** states below this id were expanded (fingerprint mode drops their bytes) */
  private released = 0;

  constructor(
    readonly stateBytes: number,
    readonly exact: boolean,
    initialCapacity = 1 << 16,
  ) {
    if (stateBytes % 4 !== 0) throw new Error('state size must be a multiple of 4 bytes');
    this.stateWords = stateBytes >>> 2;
    const cap = Math.max(1 << 10, initialCapacity);
    this.table = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    this.h1 = new Uint32Array(cap);
    this.h2 = new Uint32Array(cap);
    this.parent = new Int32Array(cap);
    this.action = new Int32Array(cap);
  }

  /** Bytes of state id (valid while it is stored). */
  state(id: number): Uint8Array {
    const chunk = this.chunks[Math.floor(id / CHUNK_STATES)];
    if (!chunk) throw new Error(`state ${id} is no longer stored`);
    const off = (id % CHUNK_STATES) * this.stateBytes;
    return chunk.subarray(off, off + this.stateBytes);
  }

  /** Add a state; returns its new id, or -1 if it was already there. */
  add(bytes: Uint8Array, h1: number, h2: number, parent: number, action: number): number {
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const e = this.table[slot];
      if (e === 0) break;
      const id = e - 1;
      if (this.h1[id] === h1 && this.h2[id] === h2 && (!this.exact || this.equal(id, bytes))) return -1;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if (id >= this.h1.length) this.grow();
    this.h1[id] = h1;
    this.h2[id] = h2;
    this.parent[id] = parent;
    this.action[id] = action;
    const ci = Math.floor(id / CHUNK_STATES);
    if (!this.chunks[ci]) {
      this.chunks[ci] = new Uint8Array(CHUNK_STATES * this.stateBytes);
      this.words[ci] = new Uint32Array(this.chunks[ci]!.buffer);
    }
    this.chunks[ci]!.set(bytes, (id % CHUNK_STATES) * this.stateBytes);
    if (this.count * 2 > this.table.length * 0.75) this.rehash();
    else this.table[this.findFree(h1, h2)] = id + 1;
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
    return this.table.byteLength + this.h1.byteLength * 4 + chunks;
  }

  /** the candidate's words (set by add's caller through `probe`) */
  private probeWords: Uint32Array | null = null;
  private equal(id: number, bytes: Uint8Array): boolean {
    const w = this.words[Math.floor(id / CHUNK_STATES)]!;
    const off = (id % CHUNK_STATES) * this.stateWords;
    let p = this.probeWords;
    if (!p || p.buffer !== bytes.buffer || p.byteOffset !== bytes.byteOffset) p = this.probeWords = new Uint32Array(bytes.buffer, bytes.byteOffset, this.stateWords);
    for (let i = 0; i < this.stateWords; i++) if (w[off + i] !== p[i]) return false;
    return true;
  }

  private findFree(h1: number, h2: number): number {
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    return slot;
  }

  private grow(): void {
    const cap = this.h1.length * 2;
    const g32 = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    const gi = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.h1 = g32(this.h1);
    this.h2 = g32(this.h2);
    this.parent = gi(this.parent);
    this.action = gi(this.action);
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.count; id++) this.table[this.findFree(this.h1[id], this.h2[id])] = id + 1;
  }
}
