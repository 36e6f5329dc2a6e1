/**
 * The tracing build: the decider's modules rewritten by transform.ts and bundled, from one
 * entry, into a CommonJS module loaded with `require` (so that a model can load it while it is
 * constructed, synchronously, in any thread). Built into the bundle cache
 * (node_modules/.cache/pfnmap/, as bin/bundle.js does) under a name that hashes every input.
 * A manifest beside it lists the inputs with their sizes and modification times: a run whose
 * inputs all match it loads the build without scanning, hashing or compiling anything; any
 * other run scans the entry's imports with esbuild, and builds only when the hash is new. Files
 * are written under a temporary name of their process and thread and renamed, so runs in
 * parallel (the worker threads of one search, concurrent test files) are safe. A new build
 * removes the builds of other hashes that are more than an hour old: a run that read the
 * manifest loads the file it names within moments, never an hour later.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import type * as Esbuild from 'esbuild';
import { freshOutput, tmpSuffix, writeManifest } from '../util/buildManifest.js';
import { dropStaleFiles } from '../util/cacheFiles.ts';
import { projectRoot } from '../util/root.ts';
import { traceTransform } from './transform.ts';

const require = createRequire(import.meta.url);

export interface TracingBuild {
  /** names the manifest (one per kind of build) */
  readonly name: string;
  /** the entry module, relative to the project root */
  readonly entry: string;
  /** the project files (relative to the root) whose code is traced */
  readonly traced: (file: string) => boolean;
  /** functions called as they are from generated paths (transform.ts) */
  readonly residual: readonly string[];
}

const loaded = new Map<string, unknown>();

/** This module's own sources that a build depends on: listed in its manifest beside the inputs. */
const OWN = ['src/fastpath/transform.ts', 'src/fastpath/tracer.ts'];

/**
 * Remove the builds named `traced-<name>-<hash>.cjs` in dir other than `keep` that are more
 * than an hour old (src/util/cacheFiles.ts); returns the names removed.
 */
export const dropStaleBuilds = (dir: string, name: string, keep: string, now: number): string[] => {
  const pattern = new RegExp(`^traced-${name}-[0-9a-f]+\\.cjs$`);
  return dropStaleFiles(dir, (f) => pattern.test(f) && join(dir, f) !== keep, now);
};

const loadOnce = <M>(out: string): M => {
  let m = loaded.get(out);
  if (m === undefined) loaded.set(out, (m = require(out)));
  return m as M;
};

/** The tracing build's entry module, built if its inputs changed since the last build. */
export const loadTracingBuild = <M>(b: TracingBuild): M => {
  const root = projectRoot(fileURLToPath(import.meta.url));
  const cacheDir = join(root, 'node_modules', '.cache', 'pfnmap');
  const manifest = join(cacheDir, `traced-${b.name}.json`);
  const known = freshOutput(root, manifest);
  if (known) return loadOnce<M>(known);
  const esbuild = require('esbuild') as typeof Esbuild;
  const startedAt = Date.now();
  const scan = esbuild.buildSync({ entryPoints: [join(root, b.entry)], bundle: true, write: false, metafile: true, platform: 'node', format: 'cjs', logLevel: 'silent', absWorkingDir: root });
  const inputs = Object.keys(scan.metafile!.inputs)
    .filter((f) => !f.startsWith('node_modules/') && !f.includes('/node_modules/'))
    .sort();
  const hash = createHash('sha256');
  hash.update(JSON.stringify(b.residual));
  for (const own of OWN) hash.update(readFileSync(join(root, own)));
  for (const f of inputs) hash.update(`${f}\0${b.traced(f)}\0`).update(readFileSync(join(root, f)));
  const key = hash.digest('hex').slice(0, 16);
  const out = join(cacheDir, `traced-${b.name}-${key}.cjs`);
  if (!existsSync(out)) {
    build(root, cacheDir, out, inputs, b, esbuild);
    dropStaleBuilds(cacheDir, b.name, out, Date.now());
  }
  writeManifest(manifest, out, root, [...OWN, ...inputs], startedAt);
  return loadOnce<M>(out);
};

const build = (root: string, cacheDir: string, out: string, inputs: readonly string[], b: TracingBuild, esbuild: typeof Esbuild): void => {
  const ts = require('typescript') as typeof TS;
  const residual = new Set(b.residual);
  const mirror = join(cacheDir, `traced-src-${tmpSuffix}-${Date.now()}`);
  mkdirSync(cacheDir, { recursive: true });
  try {
    for (const f of inputs) {
      const source = readFileSync(join(root, f), 'utf8');
      const target = join(mirror, f);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, b.traced(f) ? traceTransform(ts, source, f, residual) : source);
    }
    const tmp = `${out}.${tmpSuffix}.tmp`;
    esbuild.buildSync({ entryPoints: [join(mirror, b.entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: tmp, logLevel: 'silent', nodePaths: [join(root, 'node_modules')] });
    renameSync(tmp, out);
  } finally {
    rmSync(mirror, { recursive: true, force: true });
  }
};
