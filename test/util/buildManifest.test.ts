/**
 * Build manifests (src/util/buildManifest.js): a manifest names its output only while the
 * output and every input it lists keep the size and modification time they had; any change,
 * a missing file or a damaged manifest sends the run back to esbuild (null).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshOutput, writeManifest } from '../../src/util/buildManifest.js';

describe('build manifests', () => {
  let root = '';
  let out = '';
  let manifest = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pfnmap-manifest-'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src/b.ts'), 'export const b = 2;\n');
    out = join(root, 'out.mjs');
    writeFileSync(out, 'built\n');
    manifest = join(root, 'bundle-x.json');
    expect(writeManifest(manifest, out, root, ['src/b.ts', 'src/a.ts', 'src/a.ts'], Date.now() + 1000)).toBe(true);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names the output while every input is as it was, and leaves no temporary file', () => {
    expect(freshOutput(root, manifest)).toBe(out);
    expect(readdirSync(root).sort()).toEqual(['bundle-x.json', 'out.mjs', 'src']);
  });

  it('is stale when an input changes size, or only its modification time', () => {
    writeFileSync(join(root, 'src/a.ts'), 'export const a = 10;\n');
    expect(freshOutput(root, manifest)).toBeNull();
    writeManifest(manifest, out, root, ['src/a.ts', 'src/b.ts'], Date.now() + 1000);
    expect(freshOutput(root, manifest)).toBe(out);
    const t = statSync(join(root, 'src/b.ts')).mtime;
    utimesSync(join(root, 'src/b.ts'), t, new Date(t.getTime() + 1000));
    expect(freshOutput(root, manifest)).toBeNull();
  });

  it('writes no manifest when an input was modified after the build started (read before the change, maybe)', () => {
    const t = Math.max(statSync(join(root, 'src/a.ts')).mtimeMs, statSync(join(root, 'src/b.ts')).mtimeMs);
    rmSync(manifest);
    expect(writeManifest(manifest, out, root, ['src/a.ts', 'src/b.ts'], t)).toBe(false);
    expect(freshOutput(root, manifest)).toBeNull();
    expect(writeManifest(manifest, out, root, ['src/a.ts', 'src/b.ts'], t + 1)).toBe(true);
    expect(freshOutput(root, manifest)).toBe(out);
  });

  it('is stale when the output was replaced since (another checkout sharing the cache built its own)', () => {
    const t = statSync(out).mtime;
    utimesSync(out, t, new Date(t.getTime() + 1000));
    expect(freshOutput(root, manifest)).toBeNull();
    writeManifest(manifest, out, root, ['src/a.ts', 'src/b.ts'], Date.now() + 1000);
    writeFileSync(out, 'another build\n');
    expect(freshOutput(root, manifest)).toBeNull();
  });

  it('writes none, and throws nothing, when it cannot (an input gone, a directory not writable)', () => {
    rmSync(manifest);
    expect(writeManifest(manifest, out, root, ['src/a.ts', 'src/gone.ts'], Date.now() + 1000)).toBe(false);
    expect(writeManifest(join(root, 'no-such-dir', 'm.json'), out, root, ['src/a.ts'], Date.now() + 1000)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['out.mjs', 'src']);
  });

  it('is stale when an input or the output is gone, or the manifest is damaged or missing', () => {
    rmSync(join(root, 'src/b.ts'));
    expect(freshOutput(root, manifest)).toBeNull();
    writeFileSync(join(root, 'src/b.ts'), 'export const b = 2;\n');
    writeManifest(manifest, out, root, ['src/a.ts', 'src/b.ts'], Date.now() + 1000);
    rmSync(out);
    expect(freshOutput(root, manifest)).toBeNull();
    writeFileSync(out, 'built\n');
    writeFileSync(manifest, '{"out": 3');
    expect(freshOutput(root, manifest)).toBeNull();
    writeFileSync(manifest, '{"out": 3, "inputs": []}');
    expect(freshOutput(root, manifest)).toBeNull();
    rmSync(manifest);
    expect(freshOutput(root, manifest)).toBeNull();
  });
});
