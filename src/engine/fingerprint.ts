/**
 * A 64-bit fingerprint of a state's packed bytes, as two 32-bit halves (murmur3-style mixing
 * over 32-bit words, two seeds). A state's storage form is whole words (model.ts).
 */
export class Fingerprinter {
  h1 = 0;
  h2 = 0;
  private readonly words: Uint32Array;
  constructor(readonly bytes: Uint8Array) {
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  }
  /** Fingerprint this.bytes into h1, h2. */
  run(): void {
    this.of(this.words, 0, this.words.length);
  }
  /** Fingerprint n words of w from off into h1, h2. */
  of(w: Uint32Array, off: number, n: number): void {
    let a = 0x9747b28c;
    let b = 0x2545f491;
    for (let i = off; i < off + n; i++) {
      let k = Math.imul(w[i], 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      a ^= k;
      a = (a << 13) | (a >>> 19);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      let m = Math.imul(w[i] ^ 0x5bd1e995, 0x85ebca6b);
      m ^= m >>> 13;
      b = Math.imul(b ^ m, 0xc2b2ae35);
      b ^= b >>> 16;
    }
    a ^= n;
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    b ^= b >>> 15;
    b = Math.imul(b, 0x2c1b3c6d);
    b ^= b >>> 12;
    b = Math.imul(b, 0x297a2d39);
    b ^= b >>> 15;
    this.h1 = a >>> 0;
    this.h2 = b >>> 0;
  }
}

/** Probability that n distinct states include a 64-bit fingerprint collision (birthday bound). */
export const collisionProbability = (n: number): number => Math.min(1, (n * (n - 1)) / 2 / 2 ** 64);
