// Every command's flags go through node:util parseArgs (strict); its errors (an unknown flag, a
// missing value) become an InputError: one line, exit 2, like any other bad input. The line names
// the flag, suggests the nearest known one for a typo, and says what value a flag expects.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from './errors.ts';

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known flag nearest to a mistyped one, if one is near enough to be meant. */
export function nearestFlag(name: string, known: readonly string[]): string | undefined {
  let best: { flag: string; distance: number } | undefined;
  for (const flag of known) {
    const distance = flag.startsWith(name) && name.length >= 3 ? 0.5 : editDistance(name, flag);
    if (best === undefined || distance < best.distance) best = { flag, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.flag : undefined;
}

/** What each flag's value should be, for the messages ("seconds, more than 0"). */
export type FlagValueHints = Readonly<Record<string, string>>;

function flagProblem(config: ParseArgsConfig, error: { code: string; message: string }, hints: FlagValueHints): string {
  const options = config.options ?? {};
  const known = Object.keys(options);
  const quoted = /'(-{1,2}[^'\s=<,]+)/.exec(error.message)?.[1] ?? '';
  // A short flag is named by its long form.
  const long = quoted.startsWith('--') ? quoted.slice(2) : (known.find((name) => options[name]!.short === quoted.slice(1)) ?? quoted.replace(/^-+/, ''));
  const expects = (name: string) => hints[name];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = nearestFlag(long, known);
      return `unknown option ${quoted}${near ? `: did you mean --${near}?` : ''} (--help lists the options)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (options[long]?.type === 'boolean') return `--${long} takes no value (it is a switch: give it or leave it out)`;
      const what = expects(long);
      if (/ambiguous/.test(error.message)) {
        const given = config.args?.[config.args.indexOf(quoted) + 1];
        return `--${long}: ${what ? `expected ${what}, ` : ''}got "${given ?? ''}" (a value starting with "-" goes as --${long}=${given ?? '-…'})`;
      }
      return `--${long} needs a value${what ? `: ${what}` : ''}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const given = /'([^']*)'/.exec(error.message)?.[1];
      return `unexpected argument${given !== undefined ? ` "${given}"` : ''}: this command takes no file or word, only options`;
    }
    default:
      return error.message.split('\n')[0]!;
  }
}

export function parseFlags<T extends ParseArgsConfig>(config: T, hints: FlagValueHints = {}): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new InputError(flagProblem(config, error as { code: string; message: string }, hints));
    throw error;
  }
}
