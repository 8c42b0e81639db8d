// The memscope command line. Every failure ends as one line on stderr and an exit code:
// 0 done, 1 scoring failed as a whole, 2 bad input or usage, 130/143/129 interrupted.
// Each command lives in its own module (score-command.ts, replay-command.ts, …).
import { Interrupt, type CliIo } from './cli-io.ts';
import { InputError, ScoringError, errorMessage } from '../core/errors.ts';
import { packageFile } from '../core/package-root.ts';
import { neutralize } from '../core/sanitize.ts';
import { VERSION } from './version.ts';

export type { CliIo } from './cli-io.ts';
export { VERSION } from './version.ts';
export const DEMO_FIXTURE = packageFile('fixtures/medium.json');
/** The demo's built-in scorer stands in for a remote GPU, so the matrix visibly fills in. */
export const DEMO_LATENCY_MS = 450;

const HELP = `memscope ${VERSION}: watch memory-importance scoring of an LLM agent's context

Usage:
  memscope                          the demo: score the bundled medium fixture on the built-in scorer,
                                    live on screen (headless when not in a terminal)
  memscope score <file> [options]   score a context (chat or native format); in a terminal the live
                                    screen opens (q quits, ? lists the keys)
  memscope watch <file> [options]   score, then score again whenever the file changes (on the
                                    screen in a terminal, saying what changed)
  memscope serve [options]          serve the built-in scorer over HTTP (POST /v1/score, GET /health)
  memscope convert <file> [-o OUT]  write the native form (token ids for every node) of a context
  memscope import <log> --memories RULE… [-o OUT] [--span ID]
                                    write a chat-format context from an agent's log (OpenAI chat
                                    messages, or an OTLP/JSON trace with GenAI spans: the last LLM
                                    call, or span ID), its memories marked where they sat; RULE:
                                    letta | bullets:HEADING | tool:NAME | regex:PATTERN (groups
                                    text, key); prints each memory found
  memscope replay <session> [--json] [--follow] [--speed X] [--instant]
                                    replay a recorded session on the screen (original timing,
                                    X times faster, or at once); --follow: one still being
                                    written; --json/--headless or no terminal: print its result.
                                    Keys: space pause, . step, + - speed, < > seek, Shift-←/→ seek
                                    a tenth, ? all keys
  memscope sessions [--json] [--dir DIR]
                                    the recorded sessions, updated live; Enter replays one,
                                    Space marks two and d compares them
                                    (no terminal, --json or --headless: printed once)
  memscope export <session> --format csv|json|svg|cast [-o OUT]
                                    export a session's result, or (cast) an asciicast of its replay
  memscope diff <A> <B> [--json | --csv]
                                    compare two full-matrix runs (session files or saved --json
                                    results): memories by key, responses by entry (by text where
                                    the conversations differ), the matrix B − A; on the screen in a
                                    terminal (s sorts by change, Enter shows both cells)
  memscope schema [context|chat|weights|template|session-header|session-event]
                                    print the JSON Schema of a file format
  memscope --help | --version

Score options:
  --url URL             scoring server base URL, e.g. http://127.0.0.1:8000/v1 (default: built-in scorer);
                        give it again for replicas of the same model (calls go to the least busy one)
  --backend B           {backends}
  --logprobs-field F    completions: prompt_logprobs (default, vLLM) | echo (echo + logprobs,
                        read from choices[0].logprobs.token_logprobs)
  --max-model-len N     completions, sglang: the server's context limit (default: asked of the
                        server); a run whose longest prompt does not fit stops before any call
  --tokenizer T         how chat-format input is tokenized: builtin (default) | server
                        (POST /tokenize at the --url's root, one call per distinct text);
                        native files keep their own token ids
  --template T          --tokenizer server: chatml (default) | llama3 | FILE (a JSON template,
                        see memscope schema template); the model's own template: server (vLLM's
                        /tokenize renders the messages) | tokenizer_config.json | *.jinja (rendered
                        here, tokenized by the server); refused where its renderings fail the checks
  --noise N             score the baseline N more times over the run; a cell within 3x the
                        spread is noise, not written to memory_scores (default 1 with completions
                        and sglang, 0 with /score and the built-in scorer)
  --model NAME          model name sent to the server (default: the context's, or memscope-builtin)
  --memories RULE…      the file is an agent's log: import it first (as memscope import) with
                        these rules; the session header records them
  --mode MODE           full (default) | single | incremental | finetune
  --key K               single: the memory key to score
  --count N             finetune: how many recent entries to score (default 50)
  --estimate K          full: estimate the matrix from K random ablations (K + 1 calls, not N + 1)
  --seed S              with --estimate: seed of the random ablations (default 0)
  --search              full: group search: every cell ≥ T with its exact value, for far fewer
                        tokens than the exact matrix (see README, "Group search")
  --threshold T         with --search: T in nats of a response's total logprob (default 1.0)
  --margin M            with --search: split groups that move a response by T×(1−M) (default
                        0.5; 0 where removing more memories never raises a logprob)
  --window N            incremental: responses after each memory (default 50)
  --max-age DURATION    incremental: skip memories scored within it, e.g. 6h (default 24h)
  --store FILE          incremental: weight store (default $XDG_STATE_HOME/memscope/weights.json)
  --alpha A             incremental: weight EWMA smoothing in (0, 1] (default 0.3)
  --concurrency N       score calls in flight at once (default 4)
  --priority P|none     priority sent with every call (default 5 with --backend score, as the
                        reference; none with completions and sglang: vLLM and SGLang read it only
                        when started with priority scheduling, lower served first)
  --timeout SECONDS     per call (default 300)
  --retries N           retries of a transient failure (refused, reset, timeout, 408/429/502/503/504; default 3)
  --retry-delay MS      first backoff delay, doubled each retry, with jitter (default 1000)
  --api-key-env NAME    read the API key from this variable (default MEMSCOPE_API_KEY)
  --api-key-file FILE   read the API key from this file
  --latency MS          built-in scorer: add this much time to every call
  --record FILE         record the run as a session file (JSON Lines); watch: a file per
                        run (FILE, then FILE-2, FILE-3 … before the extension)
  --json                print the result as JSON on stdout
  --headless            no screen: progress lines on stderr (also when stdin or stdout is not a terminal)
  --debug               print stack traces of unexpected errors

Convert options:
  -o, --output FILE     write here instead of stdout
  --tokenizer T, --template T, --url URL, --model NAME, --api-key-env NAME, --api-key-file FILE,
  --timeout SECONDS     as for score: tokenize chat input with the server's tokenizer

Serve options:
  --host HOST           address to bind (default 127.0.0.1)
  --port PORT           port (default 8000; 0 picks a free one)
  --latency MS          add this much time to every call
  --max-body BYTES      refuse larger request bodies with 413 (default 64 MiB)
  --max-prompt N        refuse prompts of more tokens with 400 (default 4000000)
`;

type Command = (args: string[], io: CliIo) => number | Promise<number>;

// Each command's modules load when it runs: `serve` need not load the screen, nor `score` the server.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve-command.ts')).serve,
  convert: async () => (await import('./convert-command.ts')).convert,
  import: async () => (await import('./import-command.ts')).importCommand,
  replay: async () => (await import('./replay-command.ts')).replay,
  export: async () => (await import('./export-command.ts')).exportSession,
  sessions: async () => (await import('./sessions-command.ts')).sessions,
  schema: async () => (await import('./schema-command.ts')).schema,
  diff: async () => (await import('./diff-command.ts')).diff,
};

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const load = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) return (await load())(rest, io);
  const scoring = async (args: string[], watch = false): Promise<number> => {
    const [{ score, watchCommand }, { parseScoreSettings }] = await Promise.all([import('./score-command.ts'), import('../run/score-settings.ts')]);
    const settings = await parseScoreSettings(args, io.env);
    return watch ? watchCommand(settings, io) : score(settings, io);
  };
  switch (command) {
    case undefined:
      if (io.isTTY) return scoring([DEMO_FIXTURE, '--latency', String(DEMO_LATENCY_MS)]);
      io.stderr.write(`memscope demo: scoring ${DEMO_FIXTURE} on the built-in scorer (memscope --help for more)\n`);
      return scoring([DEMO_FIXTURE, '--headless']);
    case 'score':
      return scoring(rest);
    case 'watch':
      return scoring(rest, true);
    case '--help':
    case '-h':
    case 'help':
      // The --backend lines are the backend table's (loaded only for --help).
      io.stdout.write(HELP.replace('{backends}', (await import('../run/backends.ts')).backendHelp(' '.repeat(24))));
      return 0;
    case '--version':
    case '-v':
      io.stdout.write(`${VERSION}\n`);
      return 0;
    default:
      throw new InputError(`unknown command "${command}" (memscope --help lists them)`);
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof Interrupt) {
      io.stderr.write('memscope: interrupted\n');
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof ScoringError) {
      io.stderr.write(`memscope: ${neutralize(error.message)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`memscope: internal error: ${neutralize(errorMessage(error))}${debug ? '' : ' (run with --debug for the stack)'}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 70;
  }
}
