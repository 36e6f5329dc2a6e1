/**
 * Cache modes of x86 PAT, numbered as the kernel's `enum page_cache_mode`
 * (reference §1.1): WB=0, WC=1, UC_MINUS=2, UC=3, WT=4, WP=5.
 */
export const CACHE_MODES = ['WB', 'WC', 'UC-', 'UC', 'WT', 'WP'] as const;
export type CacheModeName = (typeof CACHE_MODES)[number];

export const WB = 0;
export const WC = 1;
export const UC_MINUS = 2;
export const UC = 3;
export const WT = 4;
export const WP = 5;

/** `cattr_name()` strings, as the kernel prints them in pat_memtype_list and printk. */
export const CATTR_NAMES = [
  'write-back',
  'write-combining',
  'uncached-minus',
  'uncached',
  'write-through',
  'write-protected',
] as const;

export const modeName = (m: number): CacheModeName => CACHE_MODES[m] ?? ('?' as CacheModeName);
export const modeIndex = (name: string): number => CACHE_MODES.indexOf(name as CacheModeName);

/**
 * `is_new_memtype_allowed(paddr, size, req, new)` (arch/x86/include/asm/pgtable.h, reference §1.7):
 * disallowed exactly for UC-→WB, WC→WB, WT→WB, WT→WC; everything else is allowed.
 * (Untracked ISA ranges are always allowed; the model has no ISA range.)
 */
export const isNewMemtypeAllowed = (req: number, got: number): boolean =>
  !(
    (req === UC_MINUS && got === WB) ||
    (req === WC && got === WB) ||
    (req === WT && got === WB) ||
    (req === WT && got === WC)
  );
