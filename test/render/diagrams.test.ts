/**
 * The pictures in docs/machines/ and docs/traces/ are what the machines and the model give
 * today: `npm run diagrams -- --check` regenerates them in memory (with tsx, as `npm run
 * diagrams` does, so a guard's source reads the same) and names every file that differs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();

describe('generated diagrams', () => {
  it('docs/machines and docs/traces are current (npm run diagrams regenerates them)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'diagrams.ts'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('diagrams are current');
    expect(r.status).toBe(0);
  });
});
