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
const { run } = await import(main);
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.exitCode = await run(process.argv.slice(2));
