/**
 * The visited set and the BFS queue. States are kept in their storage form (model.ts), in BFS
 * order, in fixed-size chunks; parent links and action indices per state rebuild shortest
 * traces; an open-addressing table finds duplicates.
 *
 * exact mode: every state's packed bytes are kept and a key match is compared byte by byte,
 * so no two distinct states are ever merged. Each table slot is two 32-bit words,
 * [state id + 1, key], where key = h1 ^ (h2 * golden) mixes the 64-bit fingerprint (h1, h2):
 * the slot is key & mask, a probe compares the key before touching the state, and a rehash
 * moves slots without recomputing anything. One cache line holds the probe sequence, so a
 * lookup costs one miss in the table and, on a key match, one in the state chunks. Parent
 * and action arrays are in memory.
 *
 * fingerprint mode: the 64-bit fingerprint alone decides, and it is all a state costs in
 * memory once expanded. Each table slot is the fingerprint itself, [h1, h2] ([0, 0] marks an
 * empty slot, so a fingerprint [0, 0] is stored as [0, 1]: one more way to collide, 2^-64 a
 * state); the table is not a power of two (the home slot is key scaled to the table's size)
 * so that it can be filled to 0.85 and grown by half (a load between 0.57 and 0.85: 9.4 to
 * 14.1 bytes a state). The table lives at the start of one buffer of reserved address space
 * (`reserveBytes`: the system backs a page only once it is written) and grows in place:
 * the old entries are marked pending in a bitset and each is moved to its place in the larger
 * table, swapping with a pending entry where it lands on one (growInPlace.ts), so a growth
 * never holds the old table and the new one at once (which would be the process's peak
 * memory). Where the reservation cannot be had (an address-space limit, `ulimit -v`), or is
 * outgrown, the table is copied into a new buffer. Packed bytes are kept only until the state
 * is expanded (the queue), and a full chunk of them the search will not read soon goes to a
 * file until it does; parent and action go to a file as well (spill.ts). The report gives the
 * collision probability.
 */

import { growInPlace } from './growInPlace.ts';
import { QueueSpill, SpillFiles, TraceLinks } from './spill.ts';

const CHUNK_STATES = 1 << 16;
const MAX_LOAD = 0.75;
const FP_MAX_LOAD = 0.85;
const FP_GROWTH = 1.5;
const GOLDEN = 0x9e3779b1;
/** the longest Int32Array this V8 makes is 2^32 elements (16 GiB; checked on Node 20.20): two a slot */
const FP_MAX_SLOTS = 2 ** 31;

export class StateStore {
  count = 0;
  /** exact mode: slots - 1 (slots: a power of two) */
  private mask = 0;
  /** 2 words a slot: exact mode [id + 1 (0: empty), key]; fingerprint mode [h1, h2] ([0, 0]: empty) */
  private table: Int32Array;
  /** fingerprint mode: slots in the table, and the count that makes it grow */
  private fpSlots = 0;
  private fpLimit = 0;
  /** fingerprint mode: slots / 2^32 (a 32-bit key times this is its home slot) */
  private fpScale = 0;
  /** fingerprint mode: the buffer the table grows in (8 bytes a slot) */
  private fpBuffer: ArrayBuffer | null = null;
  /** fingerprint mode: growths done in place, and by copying (tests) */
  fpGrowths = { inPlace: 0, copied: 0 };
  /** exact mode: per state; fingerprint mode: empty (the links are in `links`) */
  private parent: Int32Array;
  private action: Uint16Array;
  private readonly links: TraceLinks | null;
  /** fingerprint mode: the spill files, the queue's file, which chunks are in it, the chunk being read */
  private readonly files: SpillFiles | null;
  private readonly queue: QueueSpill | null;
  private readonly spilled: boolean[] = [];
  private reading = 0;
  /** a dropped chunk buffer, reused for the next chunk */
  private spare: Uint8Array | null = null;
  private chunks: (Uint8Array | null)[] = [];
  /** exact mode: the chunks as words */
  private words: Uint32Array[] = [];
  private readonly stateWords: number;
  /** states below this id were expanded (fingerprint mode drops their bytes) */
  private released = 0;

  /**
   * @param reserveBytes fingerprint mode: address space to reserve for the table to grow in
   *   place (0: none; a reservation the system refuses is not an error)
   */
  constructor(
    readonly stateBytes: number,
    readonly exact: boolean,
    initialCapacity = 1 << 14,
    reserveBytes = 0,
  ) {
    if (stateBytes % 4 !== 0) throw new Error('state size must be a multiple of 4 bytes');
    this.stateWords = stateBytes >>> 2;
    const cap = Math.max(1 << 10, initialCapacity);
    if (exact) {
      this.mask = cap * 2 - 1;
      this.table = new Int32Array(cap * 4);
      this.parent = new Int32Array(cap);
      this.action = new Uint16Array(cap);
      this.links = null;
      this.files = null;
      this.queue = null;
    } else {
      this.table = new Int32Array(0);
      if (reserveBytes >= cap * 2 * 8) {
        try {
          this.fpBuffer = new ArrayBuffer(Math.min(Math.floor(reserveBytes / 8), FP_MAX_SLOTS) * 8);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
        }
      }
      this.fpResize(cap * 2);
      this.parent = new Int32Array(0);
      this.action = new Uint16Array(0);
      this.files = new SpillFiles();
      this.links = new TraceLinks(this.files);
      this.queue = new QueueSpill(this.files, CHUNK_STATES * stateBytes);
    }
  }

  parentOf(id: number): number {
    return this.links ? this.links.parentOf(id) : this.parent[id];
  }

  actionOf(id: number): number {
    return this.links ? this.links.actionOf(id) : this.action[id];
  }

  /** Fingerprint mode: bytes written to the spill files so far (0 in exact mode). */
  diskBytes(): number {
    return this.links && this.queue ? this.links.fileBytes() + this.queue.fileBytes() : 0;
  }

  /** Remove the spill files (fingerprint mode); the store answers nothing about links after. */
  close(): void {
    this.files?.close();
  }

  /**
   * The chunk that holds state id's packed bytes (valid while it is stored), at
   * stateOffset(id): the search loads each state from there, with no view made per state.
   */
  stateChunk(id: number): Uint8Array {
    const ci = Math.floor(id / CHUNK_STATES);
    if (!this.exact) this.reading = ci;
    if (!this.chunks[ci] && this.spilled[ci] && id >= this.released) {
      // fingerprint mode: the search reached a chunk it wrote out; read it back
      this.chunkFor(id);
      this.queue!.read(ci, this.chunks[ci]!);
      this.spilled[ci] = false;
    }
    const chunk = this.chunks[ci];
    if (!chunk) throw new Error(`state ${id} is no longer stored`);
    return chunk;
  }

  /** Where state id's bytes start in stateChunk(id). */
  stateOffset(id: number): number {
    return (id % CHUNK_STATES) * this.stateBytes;
  }

  /** Add a packed state with its fingerprint; returns its new id, or -1 if it was already there. */
  add(bytes: Uint8Array, h1: number, h2: number, parent: number, action: number): number {
    return this.exact ? this.addExact(bytes, h1, h2, parent, action) : this.addFingerprint(bytes, h1, h2, parent, action);
  }

  private addExact(bytes: Uint8Array, h1: number, h2: number, parent: number, action: number): number {
    const key = h1 ^ Math.imul(h2, GOLDEN);
    const t = this.table;
    let slot = key & this.mask;
    for (;;) {
      const e = t[2 * slot];
      if (e === 0) break;
      if (t[2 * slot + 1] === key && this.equal(e - 1, bytes)) return -1;
      slot = (slot + 1) & this.mask;
    }
    // allocate first: an allocation that fails (RangeError) leaves the store as it was
    const id = this.count;
    if (id >= this.parent.length) this.grow();
    this.chunkFor(id);
    this.count++;
    this.parent[id] = parent;
    this.action[id] = action;
    this.chunks[Math.floor(id / CHUNK_STATES)]!.set(bytes, (id % CHUNK_STATES) * this.stateBytes);
    t[2 * slot] = id + 1;
    t[2 * slot + 1] = key;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.rehash();
    return id;
  }

  private addFingerprint(bytes: Uint8Array, h1: number, h2: number, parent: number, action: number): number {
    const a = h1 | 0;
    const b = a === 0 && h2 === 0 ? 1 : h2 | 0;
    const t = this.table;
    const n = this.fpSlots;
    let slot = this.home(a, b);
    for (;;) {
      const x = t[2 * slot];
      const y = t[2 * slot + 1];
      if ((x | y) === 0) break;
      if (x === a && y === b) return -1;
      if (++slot === n) slot = 0;
    }
    // grow and allocate first: an allocation that fails (RangeError) leaves the store as it was
    if (this.count + 1 > this.fpLimit) {
      this.fpResize(Math.ceil(this.fpSlots * FP_GROWTH));
      return this.addFingerprint(bytes, h1, h2, parent, action);
    }
    const id = this.count;
    this.chunkFor(id);
    this.links!.append(parent, action);
    this.count++;
    this.chunks[Math.floor(id / CHUNK_STATES)]!.set(bytes, (id % CHUNK_STATES) * this.stateBytes);
    t[2 * slot] = a;
    t[2 * slot + 1] = b;
    // a full chunk the search is not reading yet waits on disk
    const ci = Math.floor(id / CHUNK_STATES);
    if (id % CHUNK_STATES === CHUNK_STATES - 1 && ci > this.reading) {
      this.queue!.write(ci, this.chunks[ci]!);
      this.spilled[ci] = true;
      this.drop(ci);
    }
    return id;
  }

  /** Fingerprint mode: the home slot of a fingerprint, its mixed key scaled to the table's size. */
  private home(a: number, b: number): number {
    return Math.floor(((a ^ Math.imul(b, GOLDEN)) >>> 0) * this.fpScale);
  }
  private fpResize(slots: number): void {
    if (this.fpBuffer && slots * 8 <= this.fpBuffer.byteLength) return this.fpGrowInPlace(slots);
    this.fpBuffer = null;
    if (this.fpSlots > 0) this.fpGrowths.copied++;
    const old = this.table;
    const t = new Int32Array(2 * slots);
    this.table = t;
    this.fpSlots = slots;
    this.fpScale = slots / 2 ** 32;
    this.fpLimit = Math.floor(slots * FP_MAX_LOAD);
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i];
      const b = old[i + 1];
      if ((a | b) === 0) continue;
      let slot = this.home(a, b);
      while ((t[2 * slot] | t[2 * slot + 1]) !== 0) if (++slot === slots) slot = 0;
      t[2 * slot] = a;
      t[2 * slot + 1] = b;
    }
  }

  /** Grow the table to `slots` inside its buffer (growInPlace.ts). */
  private fpGrowInPlace(slots: number): void {
    const old = this.fpSlots;
    this.table = new Int32Array(this.fpBuffer!, 0, 2 * slots);
    this.fpSlots = slots;
    this.fpScale = slots / 2 ** 32;
    this.fpLimit = Math.floor(slots * FP_MAX_LOAD);
    if (old > 0) this.fpGrowths.inPlace++;
    growInPlace(this.table, old, (a, b) => this.home(a, b));
  }

  private chunkFor(id: number): void {
    const ci = Math.floor(id / CHUNK_STATES);
    if (!this.chunks[ci]) {
      const chunk = this.spare ?? new Uint8Array(CHUNK_STATES * this.stateBytes);
      this.spare = null;
      this.chunks[ci] = chunk;
      // word views for equal(): exact mode only
      if (this.exact) this.words[ci] = new Uint32Array(chunk.buffer);
    }
  }

  /** Fingerprint mode: the bytes of states before id are no longer needed. */
  release(id: number): void {
    if (this.exact) return;
    for (; this.released + CHUNK_STATES <= id; this.released += CHUNK_STATES) this.drop(this.released / CHUNK_STATES);
  }

  /** Fingerprint mode: chunk i leaves memory (its buffer is kept for the next chunk). */
  private drop(i: number): void {
    if (this.chunks[i]) this.spare = this.chunks[i];
    this.chunks[i] = null;
  }

  /** Bytes of memory held: table, per-state arrays, state chunks, the trace links' buffer. */
  bytesUsed(): number {
    let chunks = 0;
    for (const c of this.chunks) if (c) chunks += c.byteLength;
    return this.table.byteLength + this.parent.byteLength + this.action.byteLength + chunks + (this.links?.bytesUsed() ?? 0);
  }

  /**
   * Bytes of memory per state once every state is expanded, if every per-state array were
   * exactly as long as the count: exact mode the packed state, parent and action and the
   * table's share; fingerprint mode the table's share alone.
   */
  bytesPerState(): number {
    const perState = this.exact ? this.stateBytes + 4 + 2 : 0;
    return perState + this.table.byteLength / Math.max(1, this.count);
  }

  /** the candidate's words */
  private probeWords: Uint32Array | null = null;
  private equal(id: number, bytes: Uint8Array): boolean {
    const w = this.words[Math.floor(id / CHUNK_STATES)];
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
