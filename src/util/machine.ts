/** What the machine offers the search: cores, and so the most worker threads worth asking for. */
import os from 'node:os';

/** Cores this process may run on. */
export const cores = (): number => os.availableParallelism?.() ?? os.cpus().length;

/**
 * The most worker threads a search may start: each is a V8 isolate with its own heap, so
 * thousands of them exhaust memory before the search begins (a fatal error, not a clean
 * stop); a few per core is more than a search can use.
 */
export const maxWorkers = (): number => Math.max(8, 4 * cores());
