/**
 * Compiled machines kept between runs: the CLI's store (src/cli/tablesCache.ts) gives back
 * what it saved for the same bundle and key, and nothing for another bundle, another key, or a
 * file that does not match its digest; compileTables (models/tables.ts) takes the store's
 * tables only where their string codes agree with this thread's, and saves what it compiles.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringTable } from '../../models/compile.ts';
import { compileTables, keepTablesIn, type CompiledTables, type TablesStore } from '../../models/tables.ts';
import { dropOtherBundles, tablesCacheIn } from '../../src/cli/tablesCache.ts';
import { STALE_CACHE_MS } from '../../src/util/cacheFiles.ts';
import { TRACKED } from '../../src/state/design.ts';

const BUNDLE = new TextEncoder().encode('the text of one bundle');
const OTHER_BUNDLE = new TextEncoder().encode('the text of another bundle');

describe('the CLI store of compiled machines', () => {
  let dir = '';
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    keepTablesIn(null);
  });

  it('gives back what it saved for the same bundle and key only, and a damaged file as a miss', () => {
    dir = mkdtempSync(join(tmpdir(), 'pfnmap-tables-'));
    const compiled: CompiledTables = { tables: compileTables({ refcountMax: 3 }, TRACKED), strings: stringTable() };
    const store = tablesCacheIn(dir, BUNDLE);
    expect(store.load('k')).toBeNull();
    store.save('k', compiled);
    const back = store.load('k')!;
    expect(back.strings).toEqual([...compiled.strings]);
    expect(Array.from(back.tables.memtype.prog)).toEqual(Array.from(compiled.tables.memtype.prog));
    expect(Array.from(back.tables.kref.next)).toEqual(Array.from(compiled.tables.kref.next));
    expect(back.tables.syscall.edges).toEqual(compiled.tables.syscall.edges);
    expect(store.load('another key')).toBeNull();
    expect(tablesCacheIn(dir, OTHER_BUNDLE).load('k')).toBeNull();
    const [file] = readdirSync(dir);
    const bytes = readFileSync(join(dir, file));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(dir, file), bytes);
    expect(store.load('k')).toBeNull();
    writeFileSync(join(dir, file), bytes.subarray(0, 10));
    expect(store.load('k')).toBeNull();
  });

  it("a save removes other bundles' files more than an hour old, and nothing else", () => {
    dir = mkdtempSync(join(tmpdir(), 'pfnmap-tables-'));
    const now = Date.now();
    const files: [string, number][] = [
      ['tables-aaaaaaaaaaaaaaaa-0000000000000001.bin', now - STALE_CACHE_MS - 60_000], // another bundle, stale: removed
      ['tables-aaaaaaaaaaaaaaaa-0000000000000002.bin', now - 60_000], // another bundle, recent: kept
      ['tables-bbbbbbbbbbbbbbbb-0000000000000001.bin', now - STALE_CACHE_MS - 60_000], // this bundle: kept
      ['traced-decider-aaaaaaaaaaaaaaaa.cjs', now - STALE_CACHE_MS - 60_000], // another kind of file: kept
    ];
    for (const [f, t] of files) {
      writeFileSync(join(dir, f), 'x');
      utimesSync(join(dir, f), t / 1000, t / 1000);
    }
    expect(dropOtherBundles(dir, 'bbbbbbbbbbbbbbbb', now)).toEqual(['tables-aaaaaaaaaaaaaaaa-0000000000000001.bin']);
    expect(readdirSync(dir).sort()).toEqual(files.slice(1).map(([f]) => f).sort());
  });

  it('compileTables takes the tables a store kept when their codes agree, else compiles and saves its own', () => {
    const base: CompiledTables = { tables: compileTables({ refcountMax: 3 }, TRACKED), strings: [...stringTable()] };
    const saved: string[] = [];
    const storeOf = (strings: readonly string[]): TablesStore => ({
      // a property compiling never makes: present only in tables the store gave
      load: () => ({ tables: { ...base.tables, fromStore: true } as CompiledTables['tables'], strings }),
      save: (key) => void saved.push(key),
    });
    keepTablesIn(storeOf(base.strings));
    expect('fromStore' in compileTables({ refcountMax: 5 }, TRACKED)).toBe(true);
    expect(saved).toEqual([]);
    keepTablesIn(storeOf(['a string no machine emits', ...base.strings]));
    const own = compileTables({ refcountMax: 6 }, TRACKED);
    expect('fromStore' in own).toBe(false);
    expect(saved).toEqual([JSON.stringify([6, TRACKED, null])]);
    expect(compileTables({ refcountMax: 6 }, TRACKED)).toBe(own);
  });
});
