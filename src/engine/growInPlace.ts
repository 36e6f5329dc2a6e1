/**
 * In-place growth of an open-addressing table of two 32-bit words a slot (linear probing,
 * [0, 0] an empty slot), shared by the sequential fingerprint store (store.ts, home = the
 * key scaled to the table) and the parallel search's table (sharedStore.ts, home = the key's
 * low bits). The caller has made `t` the larger table's view over the same buffer (the new
 * slots are zero) and `home` answers for the larger size.
 *
 * Every old entry is pending; slot by slot, a pending entry goes to the first slot from its
 * new home that is not settled (empty or pending): itself (it stays), an empty one (it
 * moves), or a pending one (they swap, and the entry swapped in is placed next). A settled
 * slot never changes again, so every entry ends with only settled slots between its home and
 * itself, which is what a lookup needs. The same idea as Abseil's in-place rehash.
 *
 * From the top down: an entry's new home is mostly above its old slot (about 1.5 or 2 times
 * it), in slots already emptied or new, so few entries meet a pending one, and a growth costs
 * about what copying costs (docs/performance.md §7 has the figures).
 */
export const growInPlace = (t: Int32Array, oldSlots: number, home: (a: number, b: number) => number): void => {
  const slots = t.length >>> 1;
  const pending = new Uint8Array((slots + 7) >>> 3);
  for (let i = 0; i < oldSlots; i++) if ((t[2 * i] | t[2 * i + 1]) !== 0) pending[i >>> 3] |= 1 << (i & 7);
  const isPending = (i: number): boolean => (pending[i >>> 3] & (1 << (i & 7))) !== 0;
  const settle = (i: number): void => void (pending[i >>> 3] &= ~(1 << (i & 7)));
  for (let i = oldSlots - 1; i >= 0; i--) {
    while (isPending(i)) {
      const a = t[2 * i];
      const b = t[2 * i + 1];
      let j = home(a, b);
      while ((t[2 * j] | t[2 * j + 1]) !== 0 && !isPending(j)) if (++j === slots) j = 0;
      if (j === i) {
        settle(i);
      } else if ((t[2 * j] | t[2 * j + 1]) === 0) {
        t[2 * j] = a;
        t[2 * j + 1] = b;
        t[2 * i] = 0;
        t[2 * i + 1] = 0;
        settle(i);
      } else {
        t[2 * i] = t[2 * j];
        t[2 * i + 1] = t[2 * j + 1];
        t[2 * j] = a;
        t[2 * j + 1] = b;
        settle(j);
      }
    }
  }
};
