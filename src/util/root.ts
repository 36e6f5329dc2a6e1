/**
 * The project's root directory (the one whose package.json names this package), found by
 * walking up from this module: the same answer whether the sources run under tsx or vitest
 * (src/util/) or from the bundle bin/bundle.js writes (node_modules/.cache/pfnmap/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'pfnmap-model';

export const projectRoot = (from: string = fileURLToPath(import.meta.url)): string => {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE) return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE} project root above ${from}`);
  }
};
