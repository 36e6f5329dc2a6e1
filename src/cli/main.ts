/**
 * The command-line interface: one binary, subcommands. Prints; the layers it composes return
 * data. Every bad input ends with one line on stderr and exit code 2, never a stack trace
 * (PFNMAP_DEBUG=1 shows it); so does an output that cannot be written. Exit 70 is kept for
 * the tool's own faults. Inputs are read through src/util/input.ts, outputs written through
 * output.ts, and every line printed passes quote.ts's terminalSafe.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileError, InputError, linesOfFile } from '../util/input.ts';
import { printable, quote, terminalSafe } from '../util/quote.ts';
import { UsageError } from './args.ts';
import { checkOutputPath, OutputError, reasonOf, writeOutput } from './output.ts';
import { cmdCheck } from './check.ts';
import { cmdDiff } from './diff.ts';
import { cmdConform } from './conform.ts';
import { cmdList } from './list.ts';
import { cmdRepro } from './repro.ts';
import { cmdRender } from './render.ts';
import { cmdReplay } from './replay.ts';
import { cmdScenario } from './scenario.ts';
import { cmdSimulate } from './simulate.ts';
import { EXIT } from './exit.ts';
import { SpillError } from '../engine/spill.ts';
import { keepTablesIn } from '../../models/tables.ts';
import { tablesCacheIn } from './tablesCache.ts';

export const USAGE = `usage: pfnmap <command> [options]

commands:
  check     [--design D] [--config NAME|FILE.json] [--depth N] [--max-states N] [--max-seconds N]
            [--max-memory MB] [--invariants a,b] [--no-symmetry] [--fast-path | --no-fast-path] [--fingerprint] [--json] [--out TRACE.ndjson] [--quiet]
            [--html PAGE.html]  (the counterexample as a trace page)
            [--mutant NAME]  (a seeded bug of the tracked design: pfnmap list shows them)
            [--workers N]  (search on N worker threads: the same result, shortest counterexamples kept;
                            default 2 on a machine with 2 cores or more, else 1)
            (--max-memory defaults to 3/4 of the machine's memory: beyond it, STOPPED, exit 4)
            exhaustive bounded model check (default: the embedded 'default' config, design tracked)
  replay    LOG.ndjson [--invariants a,b] [--json] [--html PAGE.html]
            fold an event log, check every invariant after every event
  render    LOG.ndjson [--html PAGE.html] [--svg TIMELINE.svg] [--title T]
            draw an event log: a self-contained trace page to step through (address spaces, VMAs,
            PTEs, ctxs and krefs, the memtype tree, each step's kernel calls, violations where
            they happen), or a static SVG timeline (docs/render.md)
  scenario  NAME|all [--design D] [--out LOG.ndjson] [--json] [--html PAGE.html]
            the pfnmap selftest cases as command sequences
  simulate  [--design D] [--config C] [--walks N] [--steps N] [--seed S] [--out LOG.ndjson] [--json]
            random walks over commands, every invariant after every step
  repro     TRACE.ndjson|SCENARIO -o repro.c [--design D] [--name N] | --corpus DIR | --list
            a self-contained C program that runs the commands on /dev/mem and checks each step
            against the model (root, debugfs, PAT; docs/real-kernel.md)
  conform   RECORDED.ndjson... [--design D] [--json] [--quiet] [--html PAGE.html]
            compare a recorded kernel run with the model, step by step (0 conforms, 1 divergence)
  diff      --designs A,B SCENARIO|LOG.ndjson|COMMANDS.json [--config C] [--all] [--json] [--html PAGE.html]
            the same commands through two designs, step by step (exit 1 when they differ)
  list      designs, configs, invariants, scenarios

exit codes: 0 ok / PROVED, 1 VIOLATION, 2 bad usage or input, or an output that cannot be written,
  3 NO VIOLATION UP TO DEPTH k or WITHIN BOUNDS, 4 STOPPED at a limit or by Ctrl-C/SIGTERM/SIGHUP,
  5 check: a whole search of a named config differs from its pin, 70 internal error (docs/inputs.md)`;

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** the lines of an input file, streamed with the input limits (src/util/input.ts); FileError when it cannot be read.
   *  The only way the CLI reads a file: readInput / readJsonDocument (input.ts) put a parser and the file's name on it */
  readonly readLines: (path: string) => Iterable<string>;
  /** write an output file, atomically where it is a regular file (output.ts); OutputError when it cannot be */
  readonly writeFile: (path: string, text: string) => void;
  /** refuse an output path that cannot be written (OutputError), before the work that produces it */
  readonly checkOutput: (path: string) => void;
  readonly isTTY: boolean;
  /** a live status line (overwritten in place); '' clears it */
  readonly status?: (s: string) => void;
}

/** Set once the standard output failed (a full disk, a closed pipe): nothing more is written to it. */
let stdoutFailure: string | null = null;

export const nodeIo: Io = {
  out: (s) => {
    if (!stdoutFailure) process.stdout.write(s + '\n');
  },
  err: (s) => process.stderr.write(s + '\n'),
  readLines: (p) => linesOfFile(p),
  writeFile: writeOutput,
  checkOutput: checkOutputPath,
  isTTY: Boolean(process.stderr.isTTY),
  status: (s) => process.stderr.write(`\r\u001b[2K${s}`),
};

/** An Io whose every line is terminal-safe: input echoed in a message or a report never reaches the terminal raw (quote.ts). */
const guarded = (io: Io): Io => ({
  ...io,
  out: (s) => io.out(terminalSafe(s)),
  err: (s) => io.err(terminalSafe(s)),
  status: io.status && ((s) => io.status!(terminalSafe(s))),
});

/** The exit code and one-line message of an error that ends a command. */
export const classify = (e: unknown): { code: number; message: string } => {
  if (e instanceof UsageError || e instanceof SpillError || e instanceof OutputError || e instanceof FileError) return { code: EXIT.usage, message: e.message };
  if (e instanceof InputError) return { code: EXIT.usage, message: e.message };
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (code && INPUT_CODES.has(code) && err.path !== undefined) return { code: EXIT.usage, message: new FileError(err.path, code).message };
  if (code && OUTPUT_CODES.has(code)) return { code: EXIT.usage, message: `cannot write${err.path ? ' ' + printable(err.path, 200) : ''}: ${reasonOf(err)}` };
  return {
    code: EXIT.internal,
    message: `internal error: ${printable(String(err?.message ?? e), 300)}${process.env.PFNMAP_DEBUG ? '\n' + err?.stack : ' (PFNMAP_DEBUG=1 for the stack)'}`,
  };
};

/** errno codes that mean an input file cannot be read (exit 2) */
const INPUT_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);
/** errno codes that mean an output cannot be written (exit 2) */
const OUTPUT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO', 'EROFS', 'EPIPE']);

/**
 * `pfnmap CMD --help` (or -h): CMD's lines of USAGE and the exit codes; null for a command USAGE
 * does not list. conform answers --help itself, at more length (conform.ts).
 */
export const commandUsage = (cmd: string): string | null => {
  const lines = USAGE.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`  ${cmd} `));
  if (first < 0) return null;
  let end = first + 1;
  while (end < lines.length && lines[end].startsWith('    ')) end++;
  const exits = lines.slice(lines.findIndex((l) => l.startsWith('exit codes:')));
  return ['usage: pfnmap', ...lines.slice(first, end), '', ...exits].join('\n');
};

export const run = async (argv: readonly string[], rawIo: Io = nodeIo): Promise<number> => {
  const io = guarded(rawIo);
  const [cmd, ...rest] = argv;
  try {
    const help = cmd !== 'conform' && (rest.includes('--help') || rest.includes('-h')) ? commandUsage(cmd) : null;
    if (help !== null) {
      io.out(help);
      return EXIT.ok;
    }
    switch (cmd) {
      case 'check':
        return await cmdCheck(rest, io);
      case 'replay':
        return cmdReplay(rest, io);
      case 'render':
        return cmdRender(rest, io);
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
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return EXIT.ok;
      case undefined:
        io.out(USAGE);
        throw new UsageError('expected a command (the usage is above)');
      default:
        throw new UsageError(`unknown command ${quote(cmd)} (known: check, replay, render, scenario, simulate, diff, repro, conform, list)`);
    }
  } catch (e) {
    const { code, message } = classify(e);
    io.err(`pfnmap: ${message}`);
    return code;
  }
};

/**
 * The process around run(): a write error on the standard output (a full disk, a closed
 * pipe, an I/O error) is one line on stderr and exit 2, not a silent exit 0 with the report
 * lost; an error that escapes everything is one line and exit 70, never a stack trace.
 */
export const main = async (argv: readonly string[]): Promise<void> => {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (stdoutFailure) return;
    stdoutFailure = reasonOf(e);
    process.exitCode = EXIT.usage;
    process.stderr.write(`pfnmap: cannot write the standard output: ${stdoutFailure}; the output is incomplete\n`);
  });
  // nowhere is left to report a failing stderr: the exit code still tells
  process.stderr.on('error', () => undefined);
  process.on('uncaughtException', (e) => {
    const { code, message } = classify(e);
    process.stderr.write(`pfnmap: ${message}\n`);
    process.exit(stdoutFailure ? EXIT.usage : code);
  });
  keepCompiledMachines();
  const code = await run(argv);
  process.exitCode = stdoutFailure ? EXIT.usage : code;
};

/**
 * The bundled CLI (bin/bundle.js) keeps the machines it compiles beside its bundle, for the
 * next run of the same bundle (tablesCache.ts); run from the sources (tsx, vitest), it compiles
 * them every time.
 */
const keepCompiledMachines = (): void => {
  if (!import.meta.url.endsWith('.mjs')) return;
  const bundle = fileURLToPath(import.meta.url);
  try {
    keepTablesIn(tablesCacheIn(dirname(bundle), readFileSync(bundle)));
  } catch {
    // the bundle unreadable now: compile every time
  }
};

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) void main(process.argv.slice(2));
