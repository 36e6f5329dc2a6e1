/** A small seeded PRNG (xorshift128+ folded to 32 bits): simulations are reproducible from their seed. */
export class Rng {
  private a: number;
  private b: number;
  constructor(seed: number) {
    this.a = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.b = (Math.imul(seed, 0x85ebca6b) ^ 0x7f4a7c15) >>> 0 || 2;
    for (let i = 0; i < 8; i++) this.next();
  }
  next(): number {
    let x = this.a;
    const y = this.b;
    this.a = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.b = x >>> 0;
    return (this.a + this.b) >>> 0;
  }
  /** integer in [0, n) */
  below(n: number): number {
    return this.next() % n;
  }
}
