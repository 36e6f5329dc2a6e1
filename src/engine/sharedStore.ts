/**
 * The visited set of the parallel search (parallel.ts, worker.ts), in SharedArrayBuffers every
 * worker thread sees: a lock-free open-addressing table keyed by the 64-bit fingerprint of the
 * state's storage form (model.ts packedBytes), per-state arrays (links: BFS key / action and parent;
 * in fingerprint mode the fingerprint's second half) and the packed states, in fixed-size
 * segments. Exact mode compares the packed bytes on a key match: no two distinct states are
 * merged; fingerprint mode trusts the 64-bit fingerprint and, on the main thread between
 * levels, writes the links of each sorted level to a file and the level's bytes, in BFS
 * order, to the level file the workers read (spill.ts), then drops them from the segments.
 *
 * The table, as the sequential store's (store.ts): each slot is two 32-bit words, [key word,
 * id word], where key = h1 ^ (h2 * golden) mixes the fingerprint; the home slot is key & mask,
 * a probe compares the key in the table before it touches any per-state data (one cache line
 * holds a probe sequence), and a rehash moves slots without recomputing fingerprints. A key
 * word of 0 marks an empty slot, so key 0 is written 1 and the id word, id + 1 (below 2^31),
 * carries the lost bit in its top bit (ZERO_KEY): (key word, that bit) give the key back. A key
 * match is then confirmed on the state: exact mode compares its bytes; fingerprint mode keeps
 * h2 per state, and key and h2 give back h1 (the 64 bits in full, as store.ts does).
 *
 * Capacity: a SharedArrayBuffer cannot be grown portably (Node 20 has growable SABs behind
 * ES2024's `maxByteLength`, but the typed-array views that track them and TypeScript's ES2022
 * lib do not, and a growable SAB reserves its maximum up front), so the store grows by adding
 * segments and by replacing the table, both done by the main thread while every worker waits
 * (between levels, or at a pause a worker requests when the free room falls under a margin
 * that covers the states every worker can still add before it looks again). C_TABLE_LIMIT
 * counts entries (states), not words.
 *
 * Insertion (`insert`, called concurrently by the workers), lock-free but for one short wait:
 * probe from the home slot. At an empty slot, claim it with a compare-and-exchange of its key
 * word 0 -> key; the winner alone then reserves an id (an atomic counter), writes the state's
 * data under it and publishes it with an atomic store of the id word (the store orders the
 * data writes before any reader's atomic load that sees the id). A slot whose key word is
 * another key is probed past; one with this key is compared with the state once its id word
 * is non-zero: a claimed slot is published a few dozen instructions later, so a reader that
 * finds it unpublished spins on the id word (Atomics.load), yielding after a while and giving
 * up if a worker failed (C_ERROR: the claimant may have died between claim and publish). A
 * state is in the table once, at the first empty slot of its probe sequence that any worker
 * claimed for it: two workers inserting it race for the same slots in the same order (a slot,
 * once claimed, keeps its key and, once published, its id until the main thread rehashes
 * between rounds), and the loser sees the winner's key there and waits for its id. Since an id is reserved only by
 * the worker that won a slot, no id is wasted: every id below C_COUNT is a published state.
 *
 * The BFS key of a new state (position of its parent in its level x actions + action) is the
 * minimum over every discovery of it in the level (an atomic min): the order the sequential
 * search would have found it in. The main thread sorts each level by it (parallel.ts), which
 * gives the sequential search's ids, parents and shortest traces exactly; the sort writes the
 * parents and actions of the level's states and never touches the table (ids stay the same).
 */

import { growInPlace } from './growInPlace.ts';
import { LevelFile, SpillFiles, TraceLinks, type LevelRef } from './spill.ts';

/** states per segment */
export const SEG_SHIFT = 16;
export const SEG_STATES = 1 << SEG_SHIFT;
export const SEG_MASK = SEG_STATES - 1;
/** BFS keys (position in the level x actions + action) must stay below this (32 bits): a wider level is expanded in windows of positions (parallel.ts) */
export const KEY_LIMIT = 0xffffffff;
/**
 * a table of this many slots is paused for at this many entries. 3/4, as the sequential store:
 * a probe compares keys in the table (8 slots a cache line), so the longer probe sequences cost
 * little. A table grown at a pause is loaded between half this and this (parallel.ts), so it
 * costs 8 / load bytes a state: 10.7 to 21.3 at 3/4 (16 to 32 at 1/2).
 */
export const TABLE_MAX_LOAD = 0.75;

/** Control words (an Int32Array over a SharedArrayBuffer) shared by the main thread and the workers. */
export const C_COUNT = 0; // ids reserved so far (each one a state, published or about to be)
export const C_NEXT = 1; // next position of the level to expand (chunks are grabbed with Atomics.add)
export const C_HALT = 2; // HALT_* bits: workers take no more chunks
export const C_DONE = 3; // workers done with the current round
export const C_GO = 4; // round generation: bumped by the main thread to start a round
export const C_READY = 5; // workers started
export const C_ERROR = 6; // a worker failed (its message says why)
export const C_CAPACITY = 7; // ids the segments hold
export const C_TABLE_LIMIT = 8; // entries the table takes before a pause
export const C_MARGIN = 9; // states all workers may add after a room check
export const C_MAX_STATES = 10; // -1: none
export const C_WORDS_SPARE = 15; // always 0: a word to sleep on
export const C_WORDS = 16;

export const HALT_EXTERNAL = 1; // the main thread stops the round (interrupt, time, memory)
export const HALT_GROW = 2; // a worker needs more segments or a bigger table
export const HALT_STATES = 4; // the states limit is reached

export interface SegmentBuffers {
  readonly index: number;
  /** per state: key/action (u32), then parent (i32) (null once written to the links file:
   * fingerprint mode, after its states' level is sorted) */
  readonly links: SharedArrayBuffer | null;
  /** fingerprint mode: per state the fingerprint's second half h2 (u32); exact mode: null */
  readonly h2: SharedArrayBuffer | null;
  /** the states' packed bytes (null once dropped: fingerprint mode, after expansion) */
  readonly bytes: SharedArrayBuffer | null;
}

/** bytes of a state's links (BFS key or action, parent) */
const LINK_BYTES = 8;
/** bytes of a state's fingerprint half h2 (fingerprint mode) */
const H2_BYTES = 4;
/** bytes of per-state data kept in memory for the whole search besides the packed state: the
 * links in exact mode, h2 in fingerprint mode (whose links go to a file, level by level) */
export const residentBytes = (exact: boolean): number => (exact ? LINK_BYTES : H2_BYTES);

/** the id word's top bit: the key was 0 (its key word says 1) */
const ZERO_KEY = 1 << 31;

/** bytes of a table of this many slots (two 32-bit words a slot) */
export const tableBytes = (slots: number): number => 8 * slots;
/** the most slots a table takes: an Int32Array holds at most 2^32 elements in this V8 (store.ts) */
const MAX_SLOTS = 2 ** 31;

/** Where the table is: its buffer and how many slots of it are in use. */
export interface TableRef {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

export class SharedStore {
  readonly stateWords: number;
  /** 2 words a slot: [key (0: empty; key 0 is written 1), id + 1 (0: claimed, not yet published), with ZERO_KEY if the key was 0] */
  table!: Int32Array;
  /** slots - 1 (slots: a power of two) */
  mask = 0;
  /** during the level that inserts a state: its BFS key; after: the action index (null: in the links file) */
  readonly act: (Uint32Array | null)[] = [];
  readonly parent: (Int32Array | null)[] = [];
  /** fingerprint mode: the second halves of the fingerprints (the key gives back the first) */
  readonly h2: Uint32Array[] = [];
  readonly bytes: (Uint8Array | null)[] = [];
  readonly words: (Uint32Array | null)[] = [];
  /** ids from here on were inserted in the current level (their keys are still minimised) */
  levelStart = 0;

  constructor(
    readonly stateBytes: number,
    readonly exact: boolean,
    readonly ctrl: Int32Array,
  ) {
    if (stateBytes % 4 !== 0) throw new Error('state size must be a multiple of 4 bytes');
    this.stateWords = stateBytes >>> 2;
  }

  attachSegment(seg: SegmentBuffers): void {
    const i = seg.index;
    this.act[i] = seg.links ? new Uint32Array(seg.links, 0, SEG_STATES) : null;
    this.parent[i] = seg.links ? new Int32Array(seg.links, 4 * SEG_STATES, SEG_STATES) : null;
    if (seg.h2) this.h2[i] = new Uint32Array(seg.h2);
    this.bytes[i] = seg.bytes ? new Uint8Array(seg.bytes) : null;
    this.words[i] = seg.bytes ? new Uint32Array(seg.bytes) : null;
  }

  /** The table: the first `slots` slots of the buffer (which may be a larger reservation). */
  attachTable(ref: TableRef): void {
    this.table = new Int32Array(ref.buffer, 0, 2 * ref.slots);
    this.mask = ref.slots - 1;
  }

  /** Fingerprint mode: the bytes of segment i are no longer needed. */
  dropBytes(i: number): void {
    this.bytes[i] = null;
    this.words[i] = null;
  }

  /** Fingerprint mode: the links of segment i are in the file (SharedStoreOwner.spillLinks). */
  dropLinks(i: number): void {
    this.act[i] = null;
    this.parent[i] = null;
  }

  get segments(): number {
    return this.act.length;
  }

  /** The segment holding state id's bytes, and the state's offset in it (valid while stored). */
  stateSegment(id: number): Uint8Array {
    const b = this.bytes[id >>> SEG_SHIFT];
    if (!b) throw new Error(`state ${id} is no longer stored`);
    return b;
  }
  stateOffset(id: number): number {
    return (id & SEG_MASK) * this.stateBytes;
  }

  /**
   * Insert a state (its packed words) with its fingerprint and BFS key. Returns its new id,
   * or -1 when it was there already (then its key is lowered to `key` if it was inserted in
   * this level). Safe to call from many threads at once (the protocol: the comment above).
   */
  insert(w: Uint32Array, h1: number, h2: number, key: number): number {
    const table = this.table;
    const mask = this.mask;
    const key0 = h1 ^ Math.imul(h2, 0x9e3779b1);
    const kw = key0 || 1;
    const zero = key0 === 0 ? ZERO_KEY : 0;
    let slot = kw & mask;
    for (;;) {
      const at = 2 * slot;
      let k = Atomics.load(table, at);
      if (k === 0) {
        k = Atomics.compareExchange(table, at, 0, kw);
        if (k === 0) {
          // the slot is ours: nobody else can publish this state
          const id = Atomics.add(this.ctrl, C_COUNT, 1);
          this.write(id, w, h2, key);
          Atomics.store(table, at + 1, (id + 1) | zero);
          return id;
        }
      }
      if (k === kw) {
        let e = Atomics.load(table, at + 1);
        if (e === 0) e = this.published(at + 1);
        const id = (e & ~ZERO_KEY) - 1;
        const seg = id >>> SEG_SHIFT;
        const i = id & SEG_MASK;
        if (this.exact ? this.equal(seg, i, w) : (e & ZERO_KEY) === zero && this.h2[seg][i] === h2) {
          if (id >= this.levelStart) {
            const a = this.act[seg]!;
            let cur = Atomics.load(a, i);
            while (key < cur) {
              const prev = Atomics.compareExchange(a, i, cur, key);
              if (prev === cur) break;
              cur = prev;
            }
          }
          return -1;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The id word at table[at] once the worker that claimed the slot has published it. */
  private published(at: number): number {
    for (let n = 1; ; n++) {
      const e = Atomics.load(this.table, at);
      if (e !== 0) return e;
      if ((n & 0x3ff) === 0) {
        if (Atomics.load(this.ctrl, C_ERROR)) throw new Error('parallel store: a worker failed while publishing a state');
        // the claimant may have lost its core: let it run
        Atomics.wait(this.ctrl, C_WORDS_SPARE, 0, 0.01);
      }
    }
  }

  private write(id: number, w: Uint32Array, h2: number, key: number): void {
    const seg = id >>> SEG_SHIFT;
    const i = id & SEG_MASK;
    if (seg >= this.act.length) throw new Error(`parallel store overflow: id ${id} beyond ${this.act.length} segments`);
    if (!this.exact) this.h2[seg][i] = h2;
    this.act[seg]![i] = key;
    this.parent[seg]![i] = -1;
    const dst = this.words[seg]!;
    const n = this.stateWords;
    const off = i * n;
    for (let j = 0; j < n; j++) dst[off + j] = w[j];
  }

  private equal(seg: number, i: number, w: Uint32Array): boolean {
    const src = this.words[seg]!;
    const n = this.stateWords;
    const off = i * n;
    for (let j = 0; j < n; j++) if (src[off + j] !== w[j]) return false;
    return true;
  }

  actionOf(id: number): number {
    return this.linksOf(this.act, id)[id & SEG_MASK];
  }
  parentOf(id: number): number {
    return this.linksOf(this.parent, id)[id & SEG_MASK];
  }
  /** Set a state's links (the main thread, when it sorts a level). */
  setLinks(id: number, parent: number, action: number): void {
    this.linksOf(this.parent, id)[id & SEG_MASK] = parent;
    this.linksOf(this.act, id)[id & SEG_MASK] = action;
  }
  private linksOf<T>(a: (T | null)[], id: number): T {
    const l = a[id >>> SEG_SHIFT];
    if (!l) throw new Error(`the links of state ${id} are no longer in memory`);
    return l;
  }
}

/**
 * The main thread's side: allocation of segments and tables (never while a worker runs),
 * rehashing, accounting.
 */
export class SharedStoreOwner extends SharedStore {
  readonly segmentBuffers: SegmentBuffers[] = [];
  tableRef!: TableRef;
  private allocated = 0;
  /**
   * fingerprint mode: byte buffers of dropped segments, for the next segments to reuse. A
   * dropped buffer is freed only once every thread's collector has let go of it, which the
   * main thread and the workers (whose heaps hardly move) put off for long, so many dead
   * buffers would be held (docs/performance.md). Reused, the states' bytes cost the
   * frontier's size and no more.
   */
  private readonly spareBytes: SharedArrayBuffer[] = [];
  /** fingerprint mode: link buffers of segments written to the links file, for reuse likewise */
  private readonly spareLinks: SharedArrayBuffer[] = [];
  /**
   * fingerprint mode: the links (action, parent) of every state whose level is sorted, in a
   * file as the sequential store keeps them (spill.ts): a state then costs its h2 and its
   * share of the table in memory. Exact mode: null (links stay in memory).
   */
  private readonly files: SpillFiles | null;
  private readonly links: TraceLinks | null;
  /** fingerprint mode: the level being expanded, in BFS order (made at the first writeLevel) */
  private level: LevelFile | null = null;
  /** growths done in place, and by copying (tests) */
  readonly growths = { inPlace: 0, copied: 0 };

  /**
   * @param reserveBytes address space to reserve for the table to grow in place (0: none; a
   *   reservation the system refuses is not an error). The system backs a page of it only
   *   once it is written, and a growth in place never holds two tables, nor leaves the old
   *   one for the collectors of every thread to find (growInPlace.ts).
   */
  constructor(stateBytes: number, exact: boolean, ctrl: Int32Array, tableSlots = 1 << 14, reserveBytes = 0) {
    super(stateBytes, exact, ctrl);
    this.files = exact ? null : new SpillFiles();
    this.links = this.files ? new TraceLinks(this.files) : null;
    let buffer: SharedArrayBuffer | null = null;
    if (reserveBytes >= 2 * tableBytes(tableSlots)) {
      try {
        buffer = new SharedArrayBuffer(tableBytes(Math.min(2 ** Math.floor(Math.log2(reserveBytes / 8)), MAX_SLOTS)));
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
      }
    }
    this.setTable({ buffer: buffer ?? new SharedArrayBuffer(tableBytes(tableSlots)), slots: tableSlots });
  }

  private setTable(ref: TableRef): void {
    this.tableRef = ref;
    this.attachTable(ref);
    Atomics.store(this.ctrl, C_TABLE_LIMIT, Math.floor(ref.slots * TABLE_MAX_LOAD));
  }

  get count(): number {
    return Atomics.load(this.ctrl, C_COUNT);
  }
  get capacity(): number {
    return this.segmentBuffers.length * SEG_STATES;
  }
  get slots(): number {
    return this.mask + 1;
  }

  /** Bytes of memory held (segments, spare buffers, the table, the links file's write buffer). */
  bytesUsed(): number {
    return this.allocated + this.table.byteLength + (this.links?.bytesUsed() ?? 0);
  }

  /** Fingerprint mode: bytes written to the links and level files (0 in exact mode). */
  diskBytes(): number {
    return (this.links?.fileBytes() ?? 0) + (this.level?.fileBytes() ?? 0);
  }

  /**
   * Fingerprint mode: write the states order[0..n) (ids; their bytes in memory), in that
   * order, to the level file, which the workers then read by position; their segments' bytes
   * can go (dropBytesBelow). Returns where the file is.
   */
  writeLevel(order: Int32Array, n: number): LevelRef {
    const level = (this.level ??= new LevelFile(this.files!, this.stateBytes));
    const sw = this.stateWords;
    level.write(n, (r, into, off) => {
      const id = order[r];
      const src = this.words[id >>> SEG_SHIFT];
      if (!src) throw new Error(`state ${id} is no longer stored`);
      const at = (id & SEG_MASK) * sw;
      for (let j = 0; j < sw; j++) into[off + j] = src[at + j];
    });
    // a plain record: it is posted to the workers (the LevelFile itself would take its buffer along)
    return { fd: level.fd, path: level.path };
  }

  /** Fingerprint mode: the packed bytes of the state at position pos of the level in the file. */
  levelState(pos: number, into: Uint8Array): void {
    this.level!.read(pos, 1, into);
  }

  /** Remove the links file (fingerprint mode); the store answers nothing about spilled links after. */
  close(): void {
    this.files?.close();
  }

  override actionOf(id: number): number {
    return this.links && id < this.links.count ? this.links.actionOf(id) : super.actionOf(id);
  }
  override parentOf(id: number): number {
    return this.links && id < this.links.count ? this.links.parentOf(id) : super.parentOf(id);
  }

  /**
   * Fingerprint mode: append the links of the states below `upTo` (their levels sorted) to the
   * file, and let go of every segment's links that lie wholly below it; returns those
   * segments (the workers drop their views). Exact mode: nothing.
   */
  spillLinks(upTo: number): number[] {
    const links = this.links;
    if (!links) return [];
    for (let id = links.count; id < upTo; id++) links.append(super.parentOf(id), super.actionOf(id));
    return this.dropBelow(upTo, (seg) => seg.links !== null, (i) => this.dropLinks(i));
  }

  /**
   * Fingerprint mode: let go of the bytes of every segment wholly below `upTo` (their level
   * is in the level file, or expanded); returns those segments (the workers drop their views).
   */
  dropBytesBelow(upTo: number): number[] {
    return this.dropBelow(upTo, (seg) => seg.bytes !== null, (i) => this.dropBytes(i));
  }

  private dropBelow(upTo: number, holds: (seg: SegmentBuffers) => boolean, drop: (i: number) => void): number[] {
    const dropped: number[] = [];
    for (let i = 0; (i + 1) * SEG_STATES <= upTo; i++) {
      if (!holds(this.segmentBuffers[i])) continue;
      drop(i);
      dropped.push(i);
    }
    return dropped;
  }

  /** Bytes a table of `slots` slots adds to what is held now. */
  tableCost(slots: number): number {
    return tableBytes(slots) - (this.inPlace(slots) ? this.table.byteLength : 0);
  }

  private inPlace(slots: number): boolean {
    return tableBytes(slots) <= this.tableRef.buffer.byteLength;
  }

  /** Bytes a new segment costs (its bytes and links are free while spare buffers are left). */
  segmentCost(): number {
    const links = this.spareLinks.length > 0 ? 0 : LINK_BYTES;
    const bytes = this.spareBytes.length > 0 ? 0 : this.stateBytes;
    return SEG_STATES * (links + (this.exact ? 0 : H2_BYTES) + bytes);
  }

  /** Add one segment; returns its buffers (to send to the workers). */
  addSegment(): SegmentBuffers {
    this.allocated += this.segmentCost();
    const seg: SegmentBuffers = {
      index: this.segmentBuffers.length,
      links: this.spareLinks.pop() ?? new SharedArrayBuffer(LINK_BYTES * SEG_STATES),
      h2: this.exact ? null : new SharedArrayBuffer(H2_BYTES * SEG_STATES),
      bytes: this.spareBytes.pop() ?? new SharedArrayBuffer(this.stateBytes * SEG_STATES),
    };
    this.segmentBuffers.push(seg);
    this.attachSegment(seg);
    Atomics.store(this.ctrl, C_CAPACITY, this.capacity);
    return seg;
  }

  override dropBytes(i: number): void {
    if (this.toSpare(i, 'bytes', this.spareBytes)) super.dropBytes(i);
  }

  override dropLinks(i: number): void {
    if (this.toSpare(i, 'links', this.spareLinks)) super.dropLinks(i);
  }

  /** Move segment i's buffer `field` to the spares (false: it had none). */
  private toSpare(i: number, field: 'bytes' | 'links', spares: SharedArrayBuffer[]): boolean {
    const seg = this.segmentBuffers[i];
    const buf = seg[field];
    if (!buf) return false;
    spares.push(buf);
    this.segmentBuffers[i] = { ...seg, [field]: null };
    return true;
  }

  /**
   * Grow the table to `slots` slots (no worker may run, so every claimed slot is published):
   * in place where the buffer holds it, else into a new buffer; either way each slot moves,
   * key and id, to the first free slot from its key's home. Returns where the table is now.
   */
  rehash(slots: number): TableRef {
    const old = this.table;
    const mask = slots - 1;
    const oldSlots = this.mask + 1;
    if (this.inPlace(slots)) {
      this.growths.inPlace++;
      this.setTable({ buffer: this.tableRef.buffer, slots });
      growInPlace(this.table, oldSlots, (kw) => kw & mask);
      return this.tableRef;
    }
    this.growths.copied++;
    const buf = new SharedArrayBuffer(tableBytes(slots));
    const t = new Int32Array(buf);
    for (let k = 0; k < old.length; k += 2) {
      const kw = old[k];
      if (kw === 0) continue;
      let slot = kw & mask;
      while (t[2 * slot] !== 0) slot = (slot + 1) & mask;
      t[2 * slot] = kw;
      t[2 * slot + 1] = old[k + 1];
    }
    this.setTable({ buffer: buf, slots });
    return this.tableRef;
  }

  /** Single-threaded insert (the initial states, before any worker runs; key: the initial state's index). */
  insertOne(bytes: Uint8Array, h1: number, h2: number, key = 0): number {
    if (this.capacity === 0) this.addSegment();
    return this.insert(new Uint32Array(bytes.buffer, bytes.byteOffset, this.stateWords), h1, h2, key);
  }
}
