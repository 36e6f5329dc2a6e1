/**
 * The tracing build's cache (src/fastpath/build.ts): a new build removes the builds of other
 * hashes once they are more than an hour old, and nothing else (not the build it keeps, not a
 * recent one another run may be about to load, not the manifest or another kind of build).
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dropStaleBuilds } from '../../src/fastpath/build.ts';
import { STALE_CACHE_MS } from '../../src/util/cacheFiles.ts';

describe('dropStaleBuilds', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only the other hashes of this build that are more than an hour old', () => {
    dir = mkdtempSync(join(tmpdir(), 'pfnmap-build-'));
    const now = Date.now();
    const files: [string, number][] = [
      ['traced-decider-aaaa0001.cjs', now - STALE_CACHE_MS - 60_000], // stale: removed
      ['traced-decider-aaaa0002.cjs', now - STALE_CACHE_MS + 60_000], // 59 minutes old: kept
      ['traced-decider-aaaa0003.cjs', now - 10 * STALE_CACHE_MS], // the one kept, however old
      ['traced-other-aaaa0004.cjs', now - 10 * STALE_CACHE_MS], // another build's
      ['traced-decider.json', now - 10 * STALE_CACHE_MS], // the manifest
      ['traced-decider-aaaa0005.cjs.1-2.tmp', now - 10 * STALE_CACHE_MS], // not a build's name
    ];
    for (const [f, mtime] of files) {
      writeFileSync(join(dir, f), '');
      utimesSync(join(dir, f), mtime / 1000, mtime / 1000);
    }
    expect(dropStaleBuilds(dir, 'decider', join(dir, 'traced-decider-aaaa0003.cjs'), now)).toEqual(['traced-decider-aaaa0001.cjs']);
    expect(readdirSync(dir).sort()).toEqual(files.map(([f]) => f).filter((f) => f !== 'traced-decider-aaaa0001.cjs').sort());
  });
});
