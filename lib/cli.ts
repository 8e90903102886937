#!/usr/bin/env node
// rspty [--cols N] [--rows N] [--record FILE] -- command [args...]
// rspty screen [options] -- command [args...]  (see screen-cli.ts)
import { constants } from 'node:os';
import { integerOption, parseArgv, UsageError } from './argv.js';
import { AsciicastWriter } from './asciicast.js';
import { callerSize, interact } from './interact.js';
import { DEFAULT_COLS, DEFAULT_ROWS, DEFAULT_TERM } from './options.js';
import { screenCommand } from './screen-cli.js';

const USAGE = `Usage: rspty [--cols N] [--rows N] [--record FILE] -- command [args...]
       rspty screen [--cols N] [--rows N] [--idle MS] [--timeout MS] [--format text|json|svg] -- command [args...]

Runs the command in a new pseudo-terminal, relaying this terminal to it (in
raw mode) like script(1), and exits with the command's exit code (128 + the
signal number when a signal killed it).

Options:
  --cols N         width of the terminal (default: this terminal's, else ${DEFAULT_COLS})
  --rows N         height of the terminal (default: this terminal's, else ${DEFAULT_ROWS})
  --record FILE    write an asciicast v2 recording of the output to FILE
  -h, --help       show this help

rspty screen runs the command headless and prints its screen once it settles
(see rspty screen --help).
`;

interface Invocation {
  cols?: number;
  rows?: number;
  record?: string;
  command: string[];
}

function parse(argv: string[]): Invocation | 'help' {
  const parsed = parseArgv(argv, ['--cols', '--rows', '--record']);
  if (parsed === 'help') return 'help';
  const result: Invocation = { command: parsed.command };
  for (const [flag, value] of parsed.options) {
    if (flag === '--record') result.record = value;
    else result[flag === '--cols' ? 'cols' : 'rows'] = integerOption(flag, value, 1, 65535);
  }
  return result;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'screen') return screenCommand(argv.slice(1));
  let invocation: Invocation | 'help';
  try {
    invocation = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rspty: ${error.message} (see rspty --help)\n`);
    return 2;
  }
  if (invocation === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const size = callerSize([0, 1]);
  const cols = invocation.cols ?? size?.cols ?? DEFAULT_COLS;
  const rows = invocation.rows ?? size?.rows ?? DEFAULT_ROWS;
  const recorder = invocation.record
    ? new AsciicastWriter(invocation.record, {
        width: cols,
        height: rows,
        env: { TERM: process.env.TERM ?? DEFAULT_TERM, SHELL: process.env.SHELL ?? '' },
      })
    : null;
  const [file, ...args] = invocation.command;
  try {
    const status = await interact(file!, args, { cols, rows, onOutput: recorder ? (chunk) => recorder.output(chunk) : undefined });
    if (status.signal) return 128 + (constants.signals[status.signal] ?? 0);
    return status.exitCode ?? 1;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`rspty: ${(error as Error).message}\n`);
    return code === 'ENOENT' ? 127 : code === 'EACCES' ? 126 : 1;
  } finally {
    recorder?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`rspty: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
