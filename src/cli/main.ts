/**
 * The command-line interface: one binary, subcommands. Prints; the layers it composes return
 * data. Every bad input ends with one line on stderr and exit code 2, never a stack trace
 * (PFNMAP_DEBUG=1 shows it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from './args.ts';
import { cmdCheck } from './check.ts';
import { cmdDiff } from './diff.ts';
import { cmdConform } from './conform.ts';
import { cmdList } from './list.ts';
import { cmdRepro } from './repro.ts';
import { cmdReplay } from './replay.ts';
import { cmdScenario } from './scenario.ts';
import { cmdSimulate } from './simulate.ts';
import { EXIT } from './exit.ts';
import { SpillError } from '../engine/spill.ts';

export const USAGE = `usage: pfnmap <command> [options]

commands:
  check     [--design D] [--config NAME|FILE.json] [--depth N] [--max-states N] [--max-seconds N]
            [--max-memory MB] [--invariants a,b] [--no-symmetry] [--fingerprint] [--json] [--out TRACE.ndjson] [--quiet]
            [--mutant NAME]  (a seeded bug of the tracked design: pfnmap list shows them)
            [--workers N]  (search on N worker threads: the same result, shortest counterexamples kept;
                            default 2 on a machine with 2 cores or more, else 1)
            (--max-memory defaults to 3/4 of the machine's memory: beyond it, STOPPED, exit 4)
            exhaustive bounded model check (default: the embedded 'default' config, design tracked)
  replay    LOG.ndjson [--invariants a,b] [--json]
            fold an event log, check every invariant after every event
  scenario  NAME|all [--design D] [--out LOG.ndjson] [--json]
            the pfnmap selftest cases as command sequences
  simulate  [--design D] [--config C] [--walks N] [--steps N] [--seed S] [--out LOG.ndjson] [--json]
            random walks over commands, every invariant after every step
  repro     TRACE.ndjson|SCENARIO -o repro.c [--design D] [--name N] | --corpus DIR | --list
            a self-contained C program that runs the commands on /dev/mem and checks each step
            against the model (root, debugfs, PAT; docs/real-kernel.md)
  conform   RECORDED.ndjson... [--design D] [--json] [--quiet]
            compare a recorded kernel run with the model, step by step (0 conforms, 1 divergence)
  diff      --designs A,B SCENARIO|LOG.ndjson|COMMANDS.json [--config C] [--all] [--json]
            the same commands through two designs, step by step (exit 1 when they differ)
  list      designs, configs, invariants, scenarios

exit codes: 0 ok / PROVED, 1 VIOLATION, 2 bad usage or input, 3 NO VIOLATION UP TO DEPTH k or WITHIN BOUNDS, 4 STOPPED at a limit`;

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly readFile: (path: string) => string;
  readonly writeFile: (path: string, text: string) => void;
  readonly isTTY: boolean;
  /** a live status line (overwritten in place); '' clears it */
  readonly status?: (s: string) => void;
}

export const nodeIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  readFile: (p) => readFileSync(p, 'utf8'),
  writeFile: (p, t) => writeFileSync(p, t),
  isTTY: Boolean(process.stderr.isTTY),
  status: (s) => process.stderr.write(`\r\u001b[2K${s}`),
};

export const run = async (argv: readonly string[], io: Io = nodeIo): Promise<number> => {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'check':
        return await cmdCheck(rest, io);
      case 'replay':
        return cmdReplay(rest, io);
      case 'scenario':
        return cmdScenario(rest, io);
      case 'simulate':
        return cmdSimulate(rest, io);
      case 'list':
        return cmdList(rest, io);
      case 'diff':
        return cmdDiff(rest, io);
      case 'repro':
        return cmdRepro(rest, io);
      case 'conform':
        return cmdConform(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return cmd === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command '${cmd}' (known: check, replay, scenario, simulate, repro, conform, list)`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof SpillError) {
      io.err(`pfnmap: ${e.message}`);
      return EXIT.usage;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) {
      io.err(`pfnmap: ${err.path ?? ''}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : 'permission denied'}`);
      return EXIT.usage;
    }
    io.err(`pfnmap: internal error: ${(e as Error).message}${process.env.PFNMAP_DEBUG ? '\n' + (e as Error).stack : ' (PFNMAP_DEBUG=1 for the stack)'}`);
    return EXIT.internal;
  }
};

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
