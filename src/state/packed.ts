/**
 * The storage form of a state: the packed layout (layout.ts) bit-packed field by field, each
 * field as wide as the universe needs (a pgoff of a 2-frame universe takes 1 bit, an owner id
 * of 10 slots 4 bits). The checker keeps only this form in its visited set, and unpacks a
 * state when it expands it; fingerprints and comparisons run on the packed bytes.
 * Lossless: unpack(pack(s)) = s for every state the layout can hold (test/state/packed.test.ts).
 */
import { ctxOff, kOff, pageOff, procOff, treeOff, type Layout } from './layout.ts';
import type { Universe } from './universe.ts';

/** bits to hold 0..max */
const bitsFor = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

export class Packer {
  /** packed size in bytes, a multiple of 4 (fingerprints read words) */
  readonly bytes: number;
  /** [byte offset in the layout, width in bits] per field, in packing order */
  private readonly fields: Int32Array;

  constructor(
    readonly L: Layout,
    u: Pick<Universe, 'refcountMax'>,
  ) {
    const f: number[] = [];
    const add = (off: number, bits: number) => f.push(off, bits);
    const N = L.N;
    add(0, 8); // warn mask
    add(1, bitsFor(N + 1)); // invalid free start + 1
    add(2, bitsFor(N)); // invalid free end
    add(3, 2); // bound flags
    const owner = bitsFor(255); // ctx / lineage ids and kernel owners (0x80 + k)
    for (let p = 0; p < L.P; p++) {
      add(procOff(L, p), 1);
      for (let v = 0; v < L.V; v++) {
        const o = pageOff(L, p, v);
        add(o, 8); // flags
        add(o + 1, bitsFor(N)); // pgoff (a frame index)
        add(o + 2, bitsFor(L.C)); // owner: 0 or an id slot
        add(o + 3, 8); // pte
      }
    }
    for (let c = 1; c <= L.C; c++) {
      const o = ctxOff(L, c);
      add(o, bitsFor(N));
      add(o + 1, bitsFor(N));
      add(o + 2, 8); // kref (a mutant may push it past REFCOUNT_MAX)
    }
    for (let k = 0; k < L.K; k++) {
      const o = kOff(L, k);
      add(o, 2);
      add(o + 1, bitsFor(N));
      add(o + 2, bitsFor(N));
      add(o + 3, 3);
    }
    add(L.treeCountOff, bitsFor(L.T));
    for (let i = 0; i < L.T; i++) {
      const o = treeOff(L, i);
      add(o, bitsFor(N));
      add(o + 1, bitsFor(N));
      add(o + 2, 3);
      add(o + 3, owner);
    }
    void u;
    this.fields = Int32Array.from(f);
    let bits = 0;
    for (let i = 1; i < f.length; i += 2) bits += f[i];
    this.bytes = (Math.ceil(bits / 8) + 3) & ~3;
    this.pack = () => undefined;
    this.unpack = () => undefined;
    this.generate();
  }

  /** Pack the layout state s into dst[off .. off + bytes). */
  readonly pack: (s: Uint8Array, dst: Uint8Array, off?: number) => void;
  /** Unpack src[off ..] into the layout state s (every byte of s is written). */
  readonly unpack: (src: Uint8Array, off: number, s: Uint8Array) => void;

  /**
   * Straight-line pack and unpack for this layout, generated once: the checker packs every
   * successor it stores or looks up, and a loop over the field table costs several times more.
   */
  private generate(): void {
    const f = this.fields;
    const packLines: string[] = ['o = o | 0;', 'let a = 0;'];
    const unpackLines: string[] = ['s.fill(0);', 'let a = 0;'];
    let n = 0; // pack: bits pending in the accumulator
    let out = 0; // pack: bytes written so far
    let un = 0; // unpack: bits pending in its accumulator
    let inp = 0; // unpack: bytes read so far
    for (let i = 0; i < f.length; i += 2) {
      const off = f[i];
      const w = f[i + 1];
      packLines.push(`a |= s[${off}] << ${n};`);
      // unpack: make sure w bits are pending, take them
      while (un < w) {
        unpackLines.push(`a |= d[o + ${inp}] << ${un};`);
        inp++;
        un += 8;
      }
      unpackLines.push(`s[${off}] = a & ${(1 << w) - 1};`, `a >>>= ${w};`);
      un -= w;
      n += w;
      while (n >= 8) {
        packLines.push(`d[o + ${out}] = a & 255;`, 'a >>>= 8;');
        out++;
        n -= 8;
      }
    }
    if (n > 0) {
      packLines.push(`d[o + ${out}] = a & 255;`);
      out++;
    }
    for (; out < this.bytes; out++) packLines.push(`d[o + ${out}] = 0;`);
    const pack = new Function('s', 'd', 'o', packLines.join('\n')) as (s: Uint8Array, d: Uint8Array, o: number) => void;
    const unpack = new Function('d', 'o', 's', unpackLines.join('\n')) as (d: Uint8Array, o: number, s: Uint8Array) => void;
    (this as { pack: Packer['pack'] }).pack = (s, dst, o = 0) => pack(s, dst, o);
    (this as { unpack: Packer['unpack'] }).unpack = unpack;
  }
}
