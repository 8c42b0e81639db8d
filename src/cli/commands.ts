// Every command, one record each: how it is called, its flags (parsed by the command and listed
// by its --help from the same record), one example, and the module that runs it (loaded when it
// runs: `serve` need not load the screen, nor `score` the server). Adding a command is a record
// here and its module; `memscope --help` and `memscope NAME --help` follow.
import type { CliIo } from './cli-io.ts';
export { COMMON_FLAGS } from '../core/flag-spec.ts';
import { COMMON_FLAGS, HELP_WIDTH, flagsHelp, twoColumns, valueHints, wrapWords, type FlagSpecs } from '../core/flag-spec.ts';
import { parseFlags } from '../core/parse-flags.ts';
import { DEFAULT_MAX_BODY, DEFAULT_MAX_PROMPT } from '../builtin/server.ts';
import { scoreOptionSpec } from '../run/score-settings.ts';
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES } from './export-formats.ts';
import { MAX_SPEED, MIN_SPEED } from '../tui/replay-driver.ts';
import { VERSION } from './version.ts';

/** replay --follow: how long a missing file is waited for, unless --wait says. */
export const DEFAULT_FOLLOW_WAIT_SECONDS = 30;

export type Command = (args: string[], io: CliIo) => number | Promise<number>;

export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  /** After `memscope NAME`: `<file> [options]`. */
  readonly args: string;
  /** What it does, for both helps. */
  readonly summary: string;
  readonly flags: F;
  /** Whether it takes files or words besides flags. */
  readonly positionals: boolean;
  /** One command line and what it does. */
  readonly example: readonly [string, string];
  /** More for its own help (its positional words, its keys), if any. */
  readonly more?: (width: number) => Promise<string>;
  readonly load: () => Promise<Command>;
}

const scoring = (watch: boolean) => async (): Promise<Command> => {
  const [{ score, watchCommand }, { parseScoreSettings }] = await Promise.all([import('./score-command.ts'), import('../run/score-settings.ts')]);
  return async (args, io) => {
    const settings = await parseScoreSettings(args, io.env);
    return watch ? watchCommand(settings, io) : score(settings, io);
  };
};

const outputFlag = { type: 'string', short: 'o', arg: 'FILE', expects: 'a file to write', help: 'write here instead of stdout (its folder must exist)' } as const;
const tokenizing = {
  tokenizer: { ...scoreOptionSpec.tokenizer, help: 'builtin (default) | server: tokenize chat input with the server\'s tokenizer (POST /tokenize)' },
  template: scoreOptionSpec.template,
  url: { type: 'string', arg: 'URL', expects: scoreOptionSpec.url.expects, help: '--tokenizer server: the server' },
  model: scoreOptionSpec.model,
  'api-key-env': scoreOptionSpec['api-key-env'],
  'api-key-file': scoreOptionSpec['api-key-file'],
  timeout: scoreOptionSpec.timeout,
} as const satisfies FlagSpecs;

export const COMMANDS = {
  score: {
    args: '<file> [options]',
    summary: 'score a context (chat or native format); in a terminal the live screen opens (q quits, ? lists the keys)',
    flags: scoreOptionSpec,
    positionals: true,
    example: ['memscope score fixtures/small.json --url http://127.0.0.1:8000/v1 --json', 'the full matrix from a server, printed as JSON'],
    load: scoring(false),
  },
  watch: {
    args: '<file> [options]',
    summary: 'score, then score again whenever the file changes (on the screen in a terminal, saying what changed); the options of score',
    flags: scoreOptionSpec,
    positionals: true,
    example: ['memscope watch agent-context.json --mode single --key user-name', 'rescore one memory on every save'],
    load: scoring(true),
  },
  serve: {
    args: '[options]',
    summary: 'serve the built-in scorer over HTTP (POST /v1/score, GET /health)',
    flags: {
      host: { type: 'string', default: '127.0.0.1', arg: 'HOST', expects: 'an address to listen on', help: 'address to bind (default 127.0.0.1)' },
      port: { type: 'string', default: '8000', arg: 'PORT', expects: 'a port number', help: 'port (default 8000; 0 picks a free one)' },
      latency: { type: 'string', default: '0', arg: 'MS', expects: 'milliseconds', help: 'add this much time to every call' },
      'max-body': { type: 'string', default: String(DEFAULT_MAX_BODY), arg: 'BYTES', expects: 'bytes', help: 'refuse larger request bodies with 413 (default 64 MiB)' },
      'max-prompt': { type: 'string', default: String(DEFAULT_MAX_PROMPT), arg: 'N', expects: 'a number of tokens', help: `refuse prompts of more tokens with 400 (default ${DEFAULT_MAX_PROMPT})` },
    },
    positionals: false,
    example: ['memscope serve --port 0', 'listen on a free port; the first line on stderr names the URL'],
    load: async () => (await import('./serve-command.ts')).serve,
  },
  convert: {
    args: '<file> [options]',
    summary: 'write the native form (token ids for every node) of a context',
    flags: { output: outputFlag, ...tokenizing },
    positionals: true,
    example: ['memscope convert chat.json -o chat.native.json', 'tokenize with the built-in tokenizer'],
    load: async () => (await import('./convert-command.ts')).convert,
  },
  import: {
    args: '<log> --memories RULE… [-o OUT] [--span ID]',
    summary: 'write a chat-format context from an agent\'s log (OpenAI chat messages, or an OTLP/JSON trace with GenAI spans: the last LLM call, or --span), its memories marked where they sat; prints each memory found',
    flags: {
      memories: { ...scoreOptionSpec.memories, help: 'the rules that mark the memories (below); any number, applied in order' },
      output: outputFlag,
      span: { ...scoreOptionSpec.span, help: 'an OTLP trace: the LLM call of this span (default: the last)' },
    },
    positionals: true,
    example: ['memscope import agent-log.json --memories letta bullets:"User Memories:" -o context.json', 'Letta memory blocks and mem0-style bullets, each a memory'],
    more: (width) => Promise.resolve(`Rules (any number, applied in order):\n${twoColumns([
      ['letta', 'each block inside <memory_blocks>, keyed by its label'],
      ['bullets:HEADING', 'each bullet line under a heading line, keyed by a slug of its text'],
      ['tool:NAME', 'each result of the tool NAME, keyed by a slug of the call\'s arguments'],
      ['regex:PATTERN', 'named groups text (and key, optional)'],
    ] as const, width)}`),
    load: async () => (await import('./import-command.ts')).importCommand,
  },
  replay: {
    args: '<session> [options]',
    summary: 'replay a recorded session on the screen (original timing, faster, or at once); with --json, --headless or no terminal: print its result. Keys: space pause, . step, + - speed, < > seek, Shift-←/→ seek a tenth, ? all keys',
    flags: {
      follow: { type: 'boolean', default: false, help: 'follow a session another process is still writing; a missing file is waited for (--wait), a missing folder is an error' },
      wait: { type: 'string', arg: 'SECONDS', expects: 'seconds, 0 or more', help: `with --follow: how long to wait for a missing file to appear (default ${DEFAULT_FOLLOW_WAIT_SECONDS}; 0: not at all)` },
      speed: { type: 'string', arg: 'X', expects: `a number from ${MIN_SPEED} to ${MAX_SPEED}`, help: 'replay X times faster than recorded (default 1)' },
      instant: { type: 'boolean', default: false, help: 'show the end at once (not with --speed)' },
      json: { type: 'boolean', default: false, help: 'print the result as JSON on stdout' },
      headless: { type: 'boolean', default: false, help: 'no screen: progress lines on stderr, the result on stdout' },
    },
    positionals: true,
    example: ['memscope replay run.jsonl --speed 8', 'replay a recorded run 8 times faster'],
    load: async () => (await import('./replay-command.ts')).replay,
  },
  sessions: {
    args: '[options]',
    summary: 'the recorded sessions, updated live; Enter replays one, Space marks two and d compares them (no terminal, --json or --headless: printed once)',
    flags: {
      dir: { type: 'string', arg: 'DIR', expects: 'a sessions directory', help: 'the sessions directory (default $XDG_STATE_HOME/memscope/sessions)' },
      json: { type: 'boolean', default: false, help: 'print one JSON line per session' },
      headless: { type: 'boolean', default: false, help: 'print the list once, as text' },
    },
    positionals: false,
    example: ['memscope sessions --json | head -1', 'the newest session, as JSON'],
    load: async () => (await import('./sessions-command.ts')).sessions,
  },
  export: {
    args: '<session> --format FORMAT [-o OUT]',
    summary: 'export a session\'s result, or (cast) an asciicast of its replay',
    flags: {
      format: { type: 'string', short: 'f', arg: 'FORMAT', expects: `one of ${EXPORT_FORMAT_NAMES.join(', ')}`, help: `${EXPORT_FORMAT_NAMES.join(' | ')} (required; each is described below)` },
      output: outputFlag,
    },
    positionals: true,
    example: ['memscope export run.jsonl --format svg -o run.svg', 'a heatmap of the run\'s matrix'],
    more: (width) => Promise.resolve(`Formats:\n${twoColumns(EXPORT_FORMATS.map((format) => [format.name, format.what] as const), width)}`),
    load: async () => (await import('./export-command.ts')).exportSession,
  },
  diff: {
    args: '<A> <B> [options]',
    summary: 'compare two full-matrix runs (session files or saved --json results): memories by key, responses by entry (by text where the conversations differ), the matrix B − A; on the screen in a terminal (s sorts by change, Enter shows both cells)',
    flags: {
      json: { type: 'boolean', default: false, help: 'print the comparison as JSON' },
      csv: { type: 'boolean', default: false, help: 'print the matrix B − A as CSV' },
      headless: { type: 'boolean', default: false, help: 'print the comparison as text' },
    },
    positionals: true,
    example: ['memscope diff before.jsonl after.jsonl --json', 'what changed between two recorded runs'],
    load: async () => (await import('./diff-command.ts')).diff,
  },
  schema: {
    args: '[NAME]',
    summary: 'print the JSON Schema of a file format',
    flags: {},
    positionals: true,
    example: ['memscope schema chat', 'the schema of a chat-format context'],
    more: async (width) => {
      const { SCHEMA_NAMES } = await import('./schema-command.ts');
      return `${wrapWords(`Names: ${SCHEMA_NAMES.join(', ')} (default ${SCHEMA_NAMES[0]})`, width).join('\n')}\n`;
    },
    load: async () => (await import('./schema-command.ts')).schema,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function commandNamed(name: string | undefined): CommandSpec | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

/** A command's flags parsed by its record: strict, an unknown flag or a missing value is exit 2. */
export function parseCommandArgs<F extends FlagSpecs>(command: { readonly flags: F; readonly positionals: boolean }, args: string[]) {
  const options = { ...command.flags, ...COMMON_FLAGS };
  return parseFlags({ args, options, allowPositionals: command.positionals, strict: true }, valueHints(options));
}

/** Whether the words ask for help (before a `--`, which ends the flags). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** A command's help, wrapped to `width` columns (helpWidth: the terminal's, up to HELP_WIDTH). */
export async function commandHelp(name: CommandName, width = HELP_WIDTH): Promise<string> {
  const command: CommandSpec = COMMANDS[name];
  const [example, what] = command.example;
  return [
    `Usage: memscope ${name} ${command.args}\n\n${wrapWords(command.summary, width - 2).map((line) => `  ${line}\n`).join('')}`,
    `Options:\n${flagsHelp({ ...command.flags, ...COMMON_FLAGS }, width)}`,
    ...(command.more ? [await command.more(width)] : []),
    `Example:\n  ${example}\n      ${what}\n`,
  ].join('\n');
}

export function mainHelp(width = HELP_WIDTH): string {
  const line = (text: string) => wrapWords(text, width).join('\n');
  return `${line(`memscope ${VERSION}: watch memory-importance scoring of an LLM agent's context`)}

Usage:
${twoColumns([
  ['memscope', 'the demo: score the bundled medium fixture on the built-in scorer, live on screen (headless when not in a terminal)'],
  ...Object.entries(COMMANDS).map(([name, command]) => [`memscope ${name} ${command.args}`, command.summary] as const),
  ['memscope --help | --version', 'this help; the version'],
], width)}
${line("memscope COMMAND --help (or -h) shows a command's options and an example.")}
`;
}
