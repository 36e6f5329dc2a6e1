/**
 * The tracing build: the decider's modules rewritten by transform.ts and bundled, from one
 * entry, into a CommonJS module loaded with `require` (so that a model can load it while it is
 * constructed, synchronously, in any thread). Built into the bundle cache
 * (node_modules/.cache/pfnmap/, as bin/bundle.js does) under a name that hashes every input.
 * A manifest beside it lists the inputs with their sizes and modification times: a run whose
 * inputs all match it loads the build without scanning, hashing or compiling anything; any
 * other run scans the entry's imports with esbuild, and builds only when the hash is new. Files
 * are written under a temporary name and renamed, so runs in parallel (the worker threads,
 * concurrent test files) are safe.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import type * as Esbuild from 'esbuild';
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

interface Manifest {
  readonly out: string;
  /** [file, size, mtimeMs] of every input, and of this module's own sources */
  readonly inputs: readonly (readonly [string, number, number])[];
}

const OWN = ['src/fastpath/transform.ts', 'src/fastpath/tracer.ts'];

const statsOf = (root: string, files: readonly string[]): [string, number, number][] =>
  files.map((f) => {
    const st = statSync(join(root, f));
    return [f, st.size, st.mtimeMs];
  });

/** The build the manifest names, if every input it lists is as it was. */
const fromManifest = (root: string, file: string): string | null => {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (!existsSync(m.out)) return null;
    for (const [f, size, mtime] of m.inputs) {
      const st = statSync(join(root, f));
      if (st.size !== size || st.mtimeMs !== mtime) return null;
    }
    return m.out;
  } catch {
    return null; // no manifest yet, or an input is gone: scan
  }
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
  const known = fromManifest(root, manifest);
  if (known) return loadOnce<M>(known);
  const esbuild = require('esbuild') as typeof Esbuild;
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
  if (!existsSync(out)) build(root, cacheDir, out, inputs, b, esbuild);
  const m: Manifest = { out, inputs: statsOf(root, [...new Set([...OWN, ...inputs])]) };
  const tmp = `${manifest}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(m));
  renameSync(tmp, manifest);
  return loadOnce<M>(out);
};

const build = (root: string, cacheDir: string, out: string, inputs: readonly string[], b: TracingBuild, esbuild: typeof Esbuild): void => {
  const ts = require('typescript') as typeof TS;
  const residual = new Set(b.residual);
  const mirror = join(cacheDir, `traced-src-${process.pid}-${Date.now()}`);
  mkdirSync(cacheDir, { recursive: true });
  try {
    for (const f of inputs) {
      const source = readFileSync(join(root, f), 'utf8');
      const target = join(mirror, f);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, b.traced(f) ? traceTransform(ts, source, f, residual) : source);
    }
    const tmp = `${out}.${process.pid}.tmp`;
    esbuild.buildSync({ entryPoints: [join(mirror, b.entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: tmp, logLevel: 'silent', nodePaths: [join(root, 'node_modules')] });
    renameSync(tmp, out);
  } finally {
    rmSync(mirror, { recursive: true, force: true });
  }
};
