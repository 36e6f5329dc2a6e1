/**
 * A direct-mapped cache of raw successors (the model's step output, before canonicalization)
 * already put to the visited set. Most successors are states seen before (docs/performance.md
 * has the share on the bench configs), and the same parent or its neighbours in the queue
 * often produce the very same bytes again: a hit skips the canonical form, the packing, the
 * fingerprint and the store lookup, which would all end in "already there".
 *
 * Sound: an entry is written only after its bytes went to the store (new or found), and a
 * hit needs the whole state to be equal, so a hit is exactly a state the store holds. In the
 * parallel search each worker has its own cache: a hit is a state this worker met earlier in
 * this level (with a smaller BFS key, so the atomic minimum does not change) or in an earlier
 * level (not new). Size: at most 2^16 entries and about 8 MiB, and a tag of 4 bytes per entry.
 */
export class SuccessorCache {
  private readonly words: number;
  private readonly mask: number;
  private readonly cache: Uint32Array;
  /**
   * per entry: a second hash of its words (odd; 0: empty). A probe whose tag differs is a miss
   * without reading the entry, whose cache line is then only written (by record).
   */
  private readonly tags: Int32Array;
  /** the slot and the tag of the words the last `seen` was asked about (record writes them) */
  private slot = 0;
  private tag = 0;
  hits = 0;

  constructor(stateWords: number) {
    this.words = stateWords;
    let entries = 1 << 16;
    while (entries > 1 << 10 && entries * stateWords * 4 > 8 << 20) entries >>= 1;
    this.mask = entries - 1;
    this.cache = new Uint32Array(entries * stateWords);
    this.tags = new Int32Array(entries);
  }

  /** Were these exact words recorded (and are they still in the cache)? */
  seen(w: Uint32Array): boolean {
    const n = this.words;
    // two independent lanes (even and odd words): half the multiply chain's latency
    let h = 0x811c9dc5;
    let g = 0x2545f491;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      h = Math.imul(h ^ w[i], 0x01000193) ^ (h >>> 15);
      g = Math.imul(g ^ w[i + 1], 0x01000193) ^ (g >>> 15);
    }
    if (i < n) h = Math.imul(h ^ w[i], 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (g >>> 7), 0x85ebca6b) ^ g;
    const e = (h ^ (h >>> 16)) & this.mask;
    const tag = Math.imul(g ^ (h >>> 16), 0x27d4eb2d) | 1;
    this.slot = e;
    this.tag = tag;
    if (this.tags[e] !== tag) return false;
    const base = e * n;
    for (let i = 0; i < n; i++) if (this.cache[base + i] !== w[i]) return false;
    this.hits++;
    return true;
  }

  /** Record the words `seen` was last asked about: they are in the visited set now. */
  record(w: Uint32Array): void {
    const n = this.words;
    const base = this.slot * n;
    for (let i = 0; i < n; i++) this.cache[base + i] = w[i];
    this.tags[this.slot] = this.tag;
  }
}
