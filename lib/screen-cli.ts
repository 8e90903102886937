// rspty screen [--cols N] [--rows N] [--idle MS] [--timeout MS] [--format text|json|svg] -- command [args...]
import { integerOption, parseArgv, UsageError } from './argv.js';
import { spawn } from './pty.js';
import { DEFAULT_COLS, DEFAULT_ROWS } from './options.js';

export const SCREEN_USAGE = `Usage: rspty screen [--cols N] [--rows N] [--idle MS] [--timeout MS] [--format text|json|svg] -- command [args...]

Runs the command headless in a new pseudo-terminal and prints its screen once
the output has settled (no output for --idle ms) or ended: a screenshot of a
program for shell scripts and agents. The command is then hung up.

Options:
  --cols N         width of the terminal (default ${DEFAULT_COLS})
  --rows N         height of the terminal (default ${DEFAULT_ROWS})
  --idle MS        how long the output must be quiet (default 500)
  --timeout MS     print the screen anyway after this long, and exit 124 (default 10000)
  --format F       text (default): the visible rows, trailing blanks trimmed;
                   json: the snapshot (lines, cursor, title, alternate);
                   svg: a picture with the colours
  -h, --help       show this help

Exit status: 0 once printed, 124 after a timeout, 127 when the command is
not found, 2 for bad usage.
`;

interface ScreenInvocation {
  cols: number;
  rows: number;
  idle: number;
  timeout: number;
  format: 'text' | 'json' | 'svg';
  command: string[];
}

const NUMBERS = { '--cols': [1, 65535], '--rows': [1, 65535], '--idle': [0, 3_600_000], '--timeout': [1, 86_400_000] } as const;

function parse(argv: string[]): ScreenInvocation | 'help' {
  const parsed = parseArgv(argv, ['--format', ...Object.keys(NUMBERS)]);
  if (parsed === 'help') return 'help';
  const result: ScreenInvocation = { cols: DEFAULT_COLS, rows: DEFAULT_ROWS, idle: 500, timeout: 10_000, format: 'text', command: parsed.command };
  for (const [flag, value] of parsed.options) {
    if (flag === '--format') {
      if (value !== 'text' && value !== 'json' && value !== 'svg') throw new UsageError(`--format must be text, json or svg, got ${value}`);
      result.format = value;
    } else {
      const [min, max] = NUMBERS[flag as keyof typeof NUMBERS];
      result[flag.slice(2) as 'cols' | 'rows' | 'idle' | 'timeout'] = integerOption(flag, value, min, max);
    }
  }
  return result;
}

/** `rspty screen ...`: returns the exit status. */
export async function screenCommand(argv: string[]): Promise<number> {
  let invocation: ScreenInvocation | 'help';
  try {
    invocation = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rspty screen: ${error.message} (see rspty screen --help)\n`);
    return 2;
  }
  if (invocation === 'help') {
    process.stdout.write(SCREEN_USAGE);
    return 0;
  }
  const [file, ...args] = invocation.command;
  let pty;
  try {
    pty = await spawn(file!, args, { cols: invocation.cols, rows: invocation.rows, screen: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`rspty screen: ${(error as Error).message}\n`);
    return code === 'ENOENT' ? 127 : code === 'EACCES' ? 126 : 1;
  }
  let status = 0;
  try {
    await pty.screen.waitForIdle({ quiet: invocation.idle, timeout: invocation.timeout });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw error;
    status = 124;
  }
  const screen = pty.screen;
  const out =
    invocation.format === 'svg' ? screen.toSVG() : invocation.format === 'json' ? `${JSON.stringify(screen.snapshot())}\n` : `${screen.text()}\n`;
  await pty.close();
  await new Promise<void>((resolve, reject) => process.stdout.write(out, (error) => (error ? reject(error) : resolve())));
  return status;
}
