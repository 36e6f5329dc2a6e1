/**
 * Build manifests: a file beside a build in the bundle cache (node_modules/.cache/pfnmap/)
 * that names the build's output and lists every input it was built from, each with its size
 * and modification time, and the output's own. A run whose inputs and output all match the
 * manifest uses the output as it is, without starting esbuild; any other run (a source
 * changed, or another checkout sharing the cache replaced the output) builds and writes a new
 * manifest. Both builds of the project use it: the bundles bin/bundle.js writes and the
 * tracing build of src/fastpath/build.ts.
 *
 * Plain JavaScript (typed by buildManifest.d.ts), because bin/bundle.js runs before any
 * TypeScript loader; it uses Node's file system only.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** A suffix for temporary file names, unique to this process and thread. */
export const tmpSuffix = `${process.pid}-${threadId}`;

/** [file, size, mtimeMs] of each file, the file relative to root. */
const statsOf = (root, files) =>
  files.map((f) => {
    const st = statSync(join(root, f));
    return [f, st.size, st.mtimeMs];
  });

/**
 * The output the manifest names, if it and every input the manifest lists have the size and
 * modification time they had when the output was built; null otherwise (no manifest yet, an
 * unreadable one, an input or the output changed or gone).
 */
export const freshOutput = (root, manifestFile) => {
  try {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (typeof m.out !== 'string' || !Array.isArray(m.inputs) || !Array.isArray(m.output)) return null;
    const o = statSync(m.out);
    if (o.size !== m.output[0] || o.mtimeMs !== m.output[1]) return null;
    for (const [f, size, mtime] of m.inputs) {
      const st = statSync(join(root, f));
      if (st.size !== size || st.mtimeMs !== mtime) return null;
    }
    return m.out;
  } catch {
    return null;
  }
};

/**
 * Write the manifest of `out`, built from `inputs` (relative to root) by a build that started
 * at `startedAt` (Date.now()): under a temporary name, then renamed, so a concurrent run reads
 * the old manifest or the new one, never half of one. Call it after the output is in place.
 * An input modified since the build started may have been read before the change: then no
 * manifest is written (returns false), and the next run builds again. So it is when the
 * manifest cannot be written (a read-only or full disk): a manifest only saves a build.
 */
export const writeManifest = (manifestFile, out, root, inputs, startedAt) => {
  const tmp = `${manifestFile}.${tmpSuffix}.tmp`;
  try {
    const stats = statsOf(root, [...new Set(inputs)].sort());
    if (stats.some(([, , mtime]) => mtime >= startedAt)) return false;
    const o = statSync(out);
    writeFileSync(tmp, JSON.stringify({ out, output: [o.size, o.mtimeMs], inputs: stats }));
    renameSync(tmp, manifestFile);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
};
