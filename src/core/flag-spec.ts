// One definition per flag: what node:util parseArgs reads (type, short, multiple, default) and
// what the help and the error messages say about it. Parser, help and messages all derive
// from the same record, so they cannot disagree.
import type { FlagValueHints } from './parse-flags.ts';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** The value's placeholder in the help: URL, N, FILE. */
  readonly arg?: string;
  /** What the value should be, for error messages ("seconds, more than 0"). */
  readonly expects?: string;
  /** The help text; longer ones wrap. */
  readonly help: string;
  /** Parsed but not listed in a command's help (shared switches like --debug). */
  readonly hidden?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Flags every command takes; the help lists them once, under each command's own. */
export const COMMON_FLAGS = {
  help: { type: 'boolean', short: 'h', default: false, help: 'this help' },
  debug: { type: 'boolean', default: false, help: 'print stack traces of unexpected errors' },
} as const satisfies FlagSpecs;

/** The error-message hints of a set of flags. */
export function valueHints(flags: FlagSpecs): FlagValueHints {
  return Object.fromEntries(Object.entries(flags).flatMap(([name, flag]) => (flag.expects === undefined ? [] : [[name, flag.expects]])));
}

/** Words of `text` in lines of at most `width` columns (a longer word keeps its own line). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/** The widest help text; a narrower terminal gets its own width (helpWidth). */
export const HELP_WIDTH = 96;
const LABEL_WIDTH = 24;
/** Below this the two columns leave too little room for the text: the terminal wraps instead. */
const MIN_HELP_WIDTH = 60;

/** The width help is wrapped to: the terminal's, when it is one narrower than HELP_WIDTH. */
export function helpWidth(columns: number | undefined): number {
  return columns === undefined || columns <= 0 ? HELP_WIDTH : Math.max(MIN_HELP_WIDTH, Math.min(HELP_WIDTH, columns));
}

/** `-o, --output FILE`. */
export function flagLabel(name: string, flag: FlagSpec): string {
  const value = flag.type === 'string' ? ` ${flag.arg ?? 'VALUE'}` : '';
  return `${flag.short ? `-${flag.short}, ` : ''}--${name}${value}`;
}

/** Labelled, wrapped lines: `  --label      text…`, continuation lines indented under the text. */
export function twoColumns(rows: readonly (readonly [string, string])[], width = HELP_WIDTH): string {
  const out: string[] = [];
  for (const [label, text] of rows) {
    const lines = wrapWords(text, width - LABEL_WIDTH - 2);
    const first = label.length < LABEL_WIDTH - 1 ? `  ${label.padEnd(LABEL_WIDTH)}${lines.shift() ?? ''}` : `  ${label}`;
    out.push(first.trimEnd(), ...lines.filter(Boolean).map((line) => `${' '.repeat(LABEL_WIDTH + 2)}${line}`));
  }
  return `${out.join('\n')}\n`;
}

/** The options section of a command's help. */
export function flagsHelp(flags: FlagSpecs, width = HELP_WIDTH): string {
  return twoColumns(
    Object.entries(flags)
      .filter(([, flag]) => !flag.hidden)
      .map(([name, flag]) => [flagLabel(name, flag), flag.help] as const),
    width,
  );
}
