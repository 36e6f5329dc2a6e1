#!/usr/bin/env node
// The CLI entry point: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';
register();
const { run } = await import('../src/cli/main.ts');
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.exitCode = await run(process.argv.slice(2));
