// The command line shared by `rspty` and `rspty screen`: options, each with
// a value (`--flag value` or `--flag=value`), then the command, after `--`
// or from the first word that is not an option.

export class UsageError extends Error {}

export interface ParsedArgv {
  /** Each option given, in order, with its value. */
  options: Array<[flag: string, value: string]>;
  command: string[];
}

/**
 * Splits `argv`; 'help' for -h/--help. Throws a UsageError for an option not
 * in `known`, one without a value, or no command.
 */
export function parseArgv(argv: readonly string[], known: readonly string[]): ParsedArgv | 'help' {
  const parsed: ParsedArgv = { options: [], command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.command = argv.slice(i + 1);
      break;
    }
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('-')) {
      parsed.command = argv.slice(i);
      break;
    }
    const eq = arg.indexOf('=');
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (!known.includes(flag)) throw new UsageError(`unknown option ${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    parsed.options.push([flag, value]);
  }
  if (parsed.command.length === 0) throw new UsageError('no command given');
  return parsed;
}

/** `value` as an integer from `min` to `max`, else a UsageError naming `flag`. */
export function integerOption(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return number;
}
