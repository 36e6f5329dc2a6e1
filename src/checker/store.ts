/**
 * The visited set and the BFS queue. States are kept packed (src/state/packed.ts), in BFS
 * order, in fixed-size chunks; parent links and action indices per state rebuild shortest
 * traces; an open-addressing table finds duplicates. Each table slot is two 32-bit words,
 * [state id + 1, key], where key = h1 ^ (h2 * golden) mixes the 64-bit fingerprint (h1, h2):
 * the slot is key & mask, a probe compares the key before touching the state, and a rehash
 * moves slots without recomputing anything. One cache line holds the probe sequence, so a
 * lookup costs one miss in the table and, on a key match, one in the state chunks.
 *
 * exact mode: every state's packed bytes are kept and a key match is compared byte by byte,
 * so no two distinct states are ever merged.
 * fingerprint mode: the 64-bit fingerprint alone decides (the key and h2, kept per state, give
 * back h1 and h2); packed bytes are kept only until the state is expanded (the queue), and the
 * report gives the collision probability.
 */

const CHUNK_STATES = 1 << 16;
const MAX_LOAD = 0.75;

export class StateStore {
  count = 0;
  /** slots - 1 (slots: a power of two) */
  private mask: number;
  /** 2 words a slot: [id + 1 (0: empty), key] */
  private table: Int32Array;
  /** fingerprint mode: the second half of each state's fingerprint; exact mode: empty */
  private h2: Int32Array;
  parent: Int32Array;
  action: Uint16Array;
  private chunks: (Uint8Array | null)[] = [];
  private words: (Uint32Array | null)[] = [];
  private readonly stateWords: number;
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
    this.table = new Int32Array(cap * 4);
    this.mask = cap * 2 - 1;
    this.h2 = new Int32Array(exact ? 0 : cap);
    this.parent = new Int32Array(cap);
    this.action = new Uint16Array(cap);
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
    const key = h1 ^ Math.imul(h2, 0x9e3779b1);
    const t = this.table;
    let slot = key & this.mask;
    for (;;) {
      const e = t[2 * slot];
      if (e === 0) break;
      if (t[2 * slot + 1] === key && (this.exact ? this.equal(e - 1, bytes) : this.h2[e - 1] === (h2 | 0))) return -1;
      slot = (slot + 1) & this.mask;
    }
    // allocate first: an allocation that fails (RangeError) leaves the store as it was
    const id = this.count;
    if (id >= this.parent.length) this.grow();
    const ci = Math.floor(id / CHUNK_STATES);
    if (!this.chunks[ci]) {
      const chunk = new Uint8Array(CHUNK_STATES * this.stateBytes);
      this.chunks[ci] = chunk;
      this.words[ci] = new Uint32Array(chunk.buffer);
    }
    this.count++;
    if (!this.exact) this.h2[id] = h2;
    this.parent[id] = parent;
    this.action[id] = action;
    this.chunks[ci]!.set(bytes, (id % CHUNK_STATES) * this.stateBytes);
    t[2 * slot] = id + 1;
    t[2 * slot + 1] = key;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.rehash();
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
    return this.table.byteLength + this.h2.byteLength + this.parent.byteLength + this.action.byteLength + chunks;
  }

  /** Bytes per state if every array were exactly as long as the count (the asymptotic cost). */
  bytesPerState(): number {
    const perState = (this.exact ? this.stateBytes : 4) + 4 + 2;
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

  private grow(): void {
    const cap = this.parent.length * 2;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      if (a.length === 0) return a;
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.h2 = grow(this.h2, (n) => new Int32Array(n));
    this.parent = grow(this.parent, (n) => new Int32Array(n));
    this.action = grow(this.action, (n) => new Uint16Array(n));
  }

  private rehash(): void {
    const old = this.table;
    const t = (this.table = new Int32Array(old.length * 2));
    const mask = (this.mask = this.mask * 2 + 1);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0) continue;
      let slot = old[i + 1] & mask;
      while (t[2 * slot] !== 0) slot = (slot + 1) & mask;
      t[2 * slot] = old[i];
      t[2 * slot + 1] = old[i + 1];
    }
  }
}
