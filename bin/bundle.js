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
 * the next and with it the instructions the bench counts (docs/performance.md §2). Bundling takes well under a second, so it is redone on every
 * run; a file is replaced (write to a temporary name, then rename) only when its content
 * changed, so concurrent runs are safe.
 */
import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = join(ROOT, 'node_modules', '.cache', 'pfnmap');
const ENTRIES = {
  cli: 'src/cli/main.ts',
  worker: 'src/engine/worker.ts',
  'pfnmap-model': 'src/checker/model.ts',
  'bench-ours': 'bench/ours.ts',
};

/** Bundle the named entries (and always the worker and the model it builds); returns each one's file URL. */
export const bundle = (names) => {
  const all = [...new Set([...names, 'worker', 'pfnmap-model'])];
  const result = buildSync({
    entryPoints: Object.fromEntries(all.map((n) => [n, join(ROOT, ENTRIES[n])])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  for (const f of result.outputFiles) {
    let old = null;
    try {
      old = readFileSync(f.path);
    } catch {
      // not built yet
    }
    if (old && Buffer.compare(old, f.contents) === 0) continue;
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return Object.fromEntries(all.map((n) => [n, pathToFileURL(join(BUNDLE_DIR, `${n}.mjs`)).href]));
};
