#!/usr/bin/env node
// The CLI entry point: runs the sources bundled by bin/bundle.js (plain ESM, no tsx in the hot
// loop); PFNMAP_TSX=1 runs them through tsx's loader instead (module per file, as written).
let main;
if (process.env.PFNMAP_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  main = '../src/cli/main.ts';
} else {
  const { bundle } = await import('./bundle.js');
  main = bundle(['cli']).cli;
}
// main() sets the exit code and turns write errors on stdout into one line and exit 2 (src/cli/main.ts)
const cli = await import(main);
await cli.main(process.argv.slice(2));
