/**
 * The CLI's store of compiled machines (models/tables.ts `TablesStore`): files in the bundle
 * cache (node_modules/.cache/pfnmap/), so a run does not compile the machines a run of the
 * same code compiled already (compiling is most of a short command's start). Only the bundled CLI
 * keeps them: a file's name hashes the bundle that compiled it (its whole text: the machines
 * and the compiler are in it) and the tables' key (REFCOUNT_MAX, design, seeded bug), so a
 * rebuilt bundle never reads another's tables. A file is the SHA-256 of its payload, then the
 * payload (node:v8 serialization of the tables and their string table): a file that does not
 * match its digest, or does not deserialize, is a miss, and the tables are compiled again.
 * Files are written under a temporary name and renamed; another bundle's files more than an
 * hour old are removed when a new one is written.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { CompiledTables, TablesStore } from '../../models/tables.ts';
import { tmpSuffix } from '../util/buildManifest.js';
import { dropStaleFiles } from '../util/cacheFiles.ts';

const DIGEST_BYTES = 32;

const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

/** A store of compiled tables in `dir` for the bundle whose text is `bundleText`. */
export const tablesCacheIn = (dir: string, bundleText: Uint8Array): TablesStore => {
  const bundleId = sha256(bundleText).toString('hex').slice(0, 16);
  const fileOf = (key: string) => join(dir, `tables-${bundleId}-${sha256(key).toString('hex').slice(0, 16)}.bin`);
  return {
    load(key) {
      try {
        const b = readFileSync(fileOf(key));
        const payload = b.subarray(DIGEST_BYTES);
        if (!sha256(payload).equals(b.subarray(0, DIGEST_BYTES))) return null;
        const c = deserialize(payload) as CompiledTables;
        return c && typeof c === 'object' && c.tables && Array.isArray(c.strings) ? c : null;
      } catch {
        return null; // none yet, or unreadable: compile
      }
    },
    save(key, compiled) {
      try {
        mkdirSync(dir, { recursive: true });
        const payload = serialize(compiled);
        const file = fileOf(key);
        const tmp = `${file}.${tmpSuffix}.tmp`;
        writeFileSync(tmp, Buffer.concat([sha256(payload), payload]));
        renameSync(tmp, file);
        dropOtherBundles(dir, bundleId, Date.now());
      } catch {
        // a cache that cannot be written (read-only or full disk) costs the next run a compile, nothing more
      }
    },
  };
};

/** Remove the tables files of other bundles that are more than an hour old (src/util/cacheFiles.ts); returns their names. */
export const dropOtherBundles = (dir: string, bundleId: string, now: number): string[] =>
  dropStaleFiles(dir, (f) => /^tables-[0-9a-f]{16}-[0-9a-f]{16}\.bin$/.test(f) && !f.startsWith(`tables-${bundleId}-`), now);
