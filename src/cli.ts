// The memscope command line. Every failure ends as one line on stderr and an exit code:
// 0 done, 1 scoring failed as a whole, 2 bad input or usage, 130/143/129 interrupted.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { ChatContextSchema } from './chat-format.ts';
import { InputError, ScoringError, errorMessage } from './errors.ts';
import { printProgress, resultJson, resultText } from './headless.ts';
import { loadContext } from './load-context.ts';
import { NativeContextSchema, contextToNative } from './native-format.ts';
import { neutralize, safeJson } from './sanitize.ts';
import { parseScoreSettings, type ScoreSettings } from './score-settings.ts';
import { prepareRun } from './scoring-run.ts';
import { createScoreServer, listen } from './server.ts';
import { WeightStoreSchema } from './weight-store.ts';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
}

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const VERSION = packageJson.version;
export const DEMO_FIXTURE = fileURLToPath(new URL('../fixtures/medium.json', import.meta.url));

const HELP = `memscope ${VERSION}: watch memory-importance scoring of an LLM agent's context

Usage:
  memscope                          the demo: score the bundled medium fixture on the built-in scorer
  memscope score <file> [options]   score a context (chat or native format)
  memscope serve [options]          serve the built-in scorer over HTTP (POST /v1/score, GET /health)
  memscope convert <file> [-o OUT]  write the native form (token ids for every node) of a context
  memscope schema [context|chat|weights]
                                    print the JSON Schema of a file format
  memscope --help | --version

Score options:
  --url URL             scoring server base URL, e.g. http://127.0.0.1:8000/v1 (default: built-in scorer);
                        give it again for replicas of the same model (calls go to the least busy one)
  --model NAME          model name sent to the server (default: the context's, or memscope-builtin)
  --mode MODE           full (default) | single | incremental | finetune
  --key K               single: the memory key to score
  --count N             finetune: how many recent entries to score (default 50)
  --estimate K          full: estimate the matrix from K random ablations (K + 1 calls, not N + 1)
  --seed S              with --estimate: seed of the random ablations (default 0)
  --window N            incremental: responses after each memory (default 50)
  --max-age DURATION    incremental: skip memories scored within it, e.g. 6h (default 24h)
  --store FILE          incremental: weight store (default $XDG_STATE_HOME/memscope/weights.json)
  --alpha A             incremental: weight EWMA smoothing in (0, 1] (default 0.3)
  --concurrency N       score calls in flight at once (default 4)
  --priority P|none     priority sent with every call (default 5, as the reference)
  --timeout SECONDS     per call (default 300)
  --api-key-env NAME    read the API key from this variable (default MEMSCOPE_API_KEY)
  --api-key-file FILE   read the API key from this file
  --latency MS          built-in scorer: add this much time to every call
  --json                print the result as JSON on stdout
  --headless            no screen: progress lines on stderr (also when stdout is not a terminal)
  --debug               print stack traces of unexpected errors

Serve options:
  --host HOST           address to bind (default 127.0.0.1)
  --port PORT           port (default 8000; 0 picks a free one)
  --latency MS          add this much time to every call
`;

class Interrupt extends Error {
  constructor(readonly exitCode: number) {
    super('interrupted');
  }
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Aborts the controller on SIGINT, SIGTERM or SIGHUP and remembers which arrived. */
function trapSignals(controller: AbortController): { exitCode: () => number | undefined; release: () => void } {
  let code: number | undefined;
  const handlers = Object.entries(SIGNAL_EXIT).map(([signal, exit]) => {
    const handler = () => {
      code ??= exit;
      controller.abort();
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return { exitCode: () => code, release: () => handlers.forEach((off) => off()) };
}

async function score(settings: ScoreSettings, io: CliIo): Promise<number> {
  const controller = new AbortController();
  const signals = trapSignals(controller);
  const run = await prepareRun(settings, controller.signal);
  run.engine.subscribe(printProgress(io.stderr as never));
  try {
    const result = await run.engine.run(run.modeOptions);
    io.stdout.write(settings.json ? `${resultJson(result)}\n` : resultText(result));
    return 0;
  } catch (error) {
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    signals.release();
    await run.scorer.close();
  }
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8000' }, latency: { type: 'string', default: '0' } },
    strict: true,
  });
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new InputError(`--port: expected 0 to 65535, got "${values.port}"`);
  if (!/^\d+$/.test(values.latency)) throw new InputError(`--latency: expected milliseconds, got "${values.latency}"`);
  const server = createScoreServer({ latencyMs: Number(values.latency) });
  let address;
  try {
    address = await listen(server, values.host, Number(values.port));
  } catch (error) {
    throw new InputError(`serve: cannot listen on ${values.host}:${values.port} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`);
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stderr.write(`memscope serve: built-in scorer on http://${host}:${address.port}/v1 (POST /v1/score, GET /health)\n`);
  const code = await new Promise<number>((resolve) => {
    for (const [signal, exit] of Object.entries(SIGNAL_EXIT)) process.once(signal, () => resolve(exit === 130 || exit === 143 ? 0 : exit));
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return code;
}

async function convert(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { output: { type: 'string', short: 'o' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new InputError('convert: name one context file');
  const loaded = await loadContext(positionals[0]!);
  const text = `${safeJson(contextToNative(loaded.context))}\n`;
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)} (native format, ${loaded.format} input)\n`);
  }
  return 0;
}

const SCHEMAS: Record<string, z.ZodType> = { context: NativeContextSchema, chat: ChatContextSchema, weights: WeightStoreSchema };

function schema(args: string[], io: CliIo): number {
  const name = args[0] ?? 'context';
  const chosen = SCHEMAS[name];
  if (args.length > 1 || chosen === undefined) throw new InputError(`schema: expected one of ${Object.keys(SCHEMAS).join(', ')}, got "${args.join(' ')}"`);
  io.stdout.write(`${JSON.stringify(z.toJSONSchema(chosen, { io: 'input' }), null, 2)}\n`);
  return 0;
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.stderr.write(`memscope demo: scoring ${DEMO_FIXTURE} on the built-in scorer (memscope --help for more)\n`);
      return score(await parseScoreSettings([DEMO_FIXTURE, '--headless'], io.env), io);
    case 'score':
      return score(await parseScoreSettings(rest, io.env), io);
    case 'serve':
      return serve(rest, io);
    case 'convert':
      return convert(rest, io);
    case 'schema':
      return schema(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.stdout.write(HELP);
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
    // node:util parseArgs reports unknown or malformed flags with a TypeError and a code.
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`memscope: ${neutralize(errorMessage(error).split('\n')[0]!)}\n`);
      return 2;
    }
    io.stderr.write(`memscope: internal error: ${neutralize(errorMessage(error))}${debug ? '' : ' (run with --debug for the stack)'}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 70;
  }
}
