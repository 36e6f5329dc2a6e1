/**
 * Bundles the TypeScript sources into plain ES modules for Node with esbuild, into
 * node_modules/.cache/pfnmap/: `cli.mjs` (src/cli/main.ts), and always the two modules the
 * parallel search's worker threads import, `worker.mjs` (src/engine/worker.ts) and
 * `pfnmap-model.mjs` (the model they build, src/checker/model.ts), and, for the benchmark,
 * `bench-ours.mjs`. The code that starts the workers finds both beside the bundle it runs in.
 *
 * Why: tsx compiles each module with esbuild's keepNames, which wraps every function a
 * module creates in a defineProperty call, and keeps module boundaries; the checker's hot
 * loop runs faster from one bundle without them (docs/performance.md §7). The npm packages
 * (xstate, fp-ts, io-ts) are bundled as well: imported from outside, the CommonJS ones would
 * be read by Node's CommonJS export lexer at every start, work that varies from one start to
 * the next and with it the instructions the bench counts (docs/performance.md §2).
 *
 * Each bundle's one-expression accessors are then inlined at their call sites
 * (src/util/inlineAccessors.js): until V8 has optimized a function, each accessor it calls is a
 * call of its own, and a short search runs mostly before then (docs/performance.md §10.30).
 *
 * Each bundle has a build manifest beside it (`bundle-<name>.json`, src/util/buildManifest.js)
 * listing every file it was built from: a run whose bundles' inputs are all unchanged loads
 * them without starting esbuild (most of a short command's start); any other run bundles
 * again. A bundle is replaced (written to a temporary name, then renamed) only when its
 * content changed, and its manifest after it, so concurrent runs are safe.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshOutput, tmpSuffix, writeManifest } from '../src/util/buildManifest.js';
import { inlineAccessors } from '../src/util/inlineAccessors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = join(ROOT, 'node_modules', '.cache', 'pfnmap');
const ENTRIES = {
  cli: 'src/cli/main.ts',
  worker: 'src/engine/worker.ts',
  'pfnmap-model': 'src/checker/model.ts',
  'bench-ours': 'bench/ours.ts',
};

/** This file (its bundling options) and the inliner it runs: inputs of every bundle. */
const SELF = ['bin/bundle.js', 'src/util/inlineAccessors.js'];
const outOf = (name) => join(BUNDLE_DIR, `${name}.mjs`);
const manifestOf = (name) => join(BUNDLE_DIR, `bundle-${name}.json`);

/**
 * Bundle the named entries (and always the worker and the model it builds), unless every one's
 * manifest says its inputs are unchanged; returns each one's file URL.
 */
export const bundle = (names) => {
  const all = [...new Set([...names, 'worker', 'pfnmap-model'])];
  const urls = Object.fromEntries(all.map((n) => [n, pathToFileURL(outOf(n)).href]));
  if (all.every((n) => freshOutput(ROOT, manifestOf(n)) === outOf(n))) return urls;
  const require = createRequire(import.meta.url);
  const { buildSync } = require('esbuild');
  const ts = require('typescript');
  const startedAt = Date.now();
  const result = buildSync({
    entryPoints: Object.fromEntries(all.map((n) => [n, join(ROOT, ENTRIES[n])])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    write: false,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  for (const f of result.outputFiles) {
    const contents = Buffer.from(inlineAccessors(ts, f.text).code);
    let old = null;
    try {
      old = readFileSync(f.path);
    } catch {
      // not built yet
    }
    if (old && Buffer.compare(old, contents) === 0) continue;
    const tmp = `${f.path}.${tmpSuffix}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, f.path);
  }
  // the metafile names outputs and inputs relative to ROOT (absWorkingDir)
  for (const n of all) {
    const meta = result.metafile.outputs[`node_modules/.cache/pfnmap/${n}.mjs`];
    if (!meta) throw new Error(`bundle: esbuild reported no output for ${n}`);
    writeManifest(manifestOf(n), outOf(n), ROOT, [...SELF, ...Object.keys(meta.inputs)], startedAt);
  }
  return urls;
};
