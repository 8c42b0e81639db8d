// The memscope command line. Every failure ends as one line on stderr and an exit code:
// 0 done, 1 scoring failed as a whole, 2 bad input or usage, 130/143/129 interrupted.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { drawLoading, enterAltScreen, leaveAltScreen } from './alt-screen.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { ChatContextSchema } from './chat-format.ts';
import { InputError, ScoringError, errorMessage } from './errors.ts';
import { printProgress, resultJson, resultText } from './headless.ts';
import type { LoadedContext } from './load-context.ts';
import { NativeContextSchema, contextToNative } from './native-format.ts';
import { neutralize, safeJson } from './sanitize.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUT_SECONDS,
  checkUrl,
  parseDuration,
  parseScoreSettings,
  parseTokenizing,
  readApiKey,
  type ScoreSettings,
} from './score-settings.ts';
import { loadForSettings, loadWithTokenizer, prepareRun, type PreparedRun } from './scoring-run.ts';
import { MAX_SPEED, MIN_SPEED, stateAt } from './replay-driver.ts';
import { partialFullResult } from './partial-result.ts';
import { followFeed, replayFeed } from './replay-feed.ts';
import { watchFeed } from './watch-feed.ts';
import { DEFAULT_MAX_BODY, DEFAULT_MAX_PROMPT, createScoreServer, listen } from './server.ts';
import { TemplateFileSchema } from './text-template.ts';
import { WeightStoreSchema } from './weight-store.ts';
import { watchContext } from './watch-command.ts';
import { recordWatchRuns } from './watch-recording.ts';
import type { RunResult } from './events.ts';
import { SessionEventLineSchema, SessionHeaderSchema, type SessionHeader } from './session-format.ts';
import { sessionHeader } from './session-header.ts';
import { readSession } from './session-reader.ts';
import { SessionRecorder, openRecording, sessionFileName, sessionsDir } from './session-recorder.ts';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { SESSION_COLUMNS, SessionDirectory, listSessions, sessionRow } from './session-list.ts';
import { SessionFollower } from './session-follower.ts';
import { resultCsv } from './export-csv.ts';
import { resultSvg } from './export-svg.ts';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
}

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const VERSION = packageJson.version;
export const DEMO_FIXTURE = fileURLToPath(new URL('../fixtures/medium.json', import.meta.url));
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
  memscope replay <session> [--json] [--follow] [--speed X] [--instant]
                                    replay a recorded session on the screen (original timing,
                                    X times faster, or at once); --follow: one still being
                                    written; --json/--headless or no terminal: print its result.
                                    Keys: space pause, . step, + - speed, < > seek, Shift-←/→ seek
                                    a tenth, ? all keys
  memscope sessions [--json] [--dir DIR]
                                    the recorded sessions, updated live; Enter replays one
                                    (no terminal, --json or --headless: printed once)
  memscope export <session> --format csv|json|svg|cast [-o OUT]
                                    export a session's result, or (cast) an asciicast of its replay
  memscope schema [context|chat|weights|template|session-header|session-event]
                                    print the JSON Schema of a file format
  memscope --help | --version

Score options:
  --url URL             scoring server base URL, e.g. http://127.0.0.1:8000/v1 (default: built-in scorer);
                        give it again for replicas of the same model (calls go to the least busy one)
  --backend B           score (default): POST {url}/score, the reference's endpoint
                        completions: POST {url}/completions with prompt logprobs (a stock vLLM)
  --logprobs-field F    completions: prompt_logprobs (default, vLLM) | echo (echo + logprobs,
                        read from choices[0].logprobs.token_logprobs)
  --tokenizer T         how chat-format input is tokenized: builtin (default) | server
                        (POST /tokenize at the --url's root, one call per distinct text);
                        native files keep their own token ids
  --template T          --tokenizer server: chatml (default) | llama3 | FILE (a JSON template,
                        see memscope schema template)
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
  --priority P|none     priority sent with every call (default 5, as the reference; none with
                        --backend completions, as vLLM refuses priorities unless started with
                        --scheduling-policy priority)
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

/** Whether a score run opens the screen: a terminal on both ends, and no headless flag. */
export function wantsScreen(settings: ScoreSettings, io: CliIo): boolean {
  return io.isTTY && !settings.headless && !settings.json;
}

async function scoreOnScreen(settings: ScoreSettings, io: CliIo): Promise<number> {
  const controller = new AbortController();
  // The screen's modules (React, Ink, Yoga) load while the context is read, behind a loading
  // line on the alternate screen; loading errors (bad file, bad store) leave it and end with
  // their one line.
  const signals = trapSignals(controller);
  enterAltScreen(io.stdout);
  drawLoading(io.stdout, `memscope: loading ${neutralize(settings.file)}…`);
  let run: PreparedRun;
  let runScreen: typeof import('./screen.tsx').runScreen;
  try {
    [run, { runScreen }] = await Promise.all([prepareRun(settings, controller.signal), import('./screen.tsx')]);
  } catch (error) {
    leaveAltScreen(io.stdout);
    throw error;
  } finally {
    // From here the screen takes the signals (and raw mode turns Ctrl-C into a key).
    signals.release();
  }
  const interrupted = signals.exitCode();
  if (interrupted !== undefined) {
    leaveAltScreen(io.stdout);
    await run.scorer.close();
    throw new Interrupt(interrupted);
  }
  // The screen records every run, by default into the sessions directory.
  const path = settings.record ?? join(sessionsDir(io.env), sessionFileName(new Date(), settings.file, settings.mode));
  let recorder: SessionRecorder;
  try {
    recorder = openRecording(path, sessionHeader(run.loaded, settings, run.model, VERSION, new Date()));
  } catch (error) {
    leaveAltScreen(io.stdout);
    await run.scorer.close();
    throw error;
  }
  run.engine.subscribe(recorder.record);
  try {
    return await runScreen({ run, controller, file: settings.file, env: io.env });
  } finally {
    recorder.close();
  }
}

async function score(settings: ScoreSettings, io: CliIo): Promise<number> {
  if (wantsScreen(settings, io)) return scoreOnScreen(settings, io);
  const controller = new AbortController();
  const signals = trapSignals(controller);
  let run: PreparedRun | undefined;
  let recorder: SessionRecorder | undefined;
  try {
    // Inside the try: tokenizing through a server can take a while and be interrupted.
    run = await prepareRun(settings, controller.signal);
    run.engine.subscribe(printProgress(io.stderr as never));
    if (settings.record !== undefined) {
      recorder = openRecording(settings.record, sessionHeader(run.loaded, settings, run.model, VERSION, new Date()));
      run.engine.subscribe(recorder.record);
    }
    const result = await run.engine.run(run.modeOptions);
    io.stdout.write(settings.json ? `${resultJson(result)}\n` : resultText(result));
    return 0;
  } catch (error) {
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    recorder?.close();
    signals.release();
    await run?.scorer.close();
  }
}


const EXPORT_FORMATS = ['csv', 'json', 'svg', 'cast'] as const;

async function exportSession(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new InputError('export: name one session file');
  const format = values.format as (typeof EXPORT_FORMATS)[number];
  if (!EXPORT_FORMATS.includes(format)) throw new InputError(`--format: expected one of ${EXPORT_FORMATS.join(', ')}, got "${values.format ?? ''}"`);
  const session = await readSession(positionals[0]!);
  if (format === 'cast') {
    // The replay screen, whatever the run's outcome: a cut or failed run is worth watching too.
    const { sessionCast } = await import('./export-cast.tsx');
    const cast = await sessionCast(session);
    if (values.output === undefined) io.stdout.write(cast);
    else {
      await writeFileAtomic(values.output, cast);
      io.stderr.write(`wrote ${neutralize(values.output)} (asciicast v2, ${session.events.length} events)\n`);
    }
    return 0;
  }
  const result = session.events.findLast((line) => line.event.type === 'run-done')?.event;
  if (result?.type !== 'run-done') throw new ScoringError(`${session.path}: no result to export: the run did not finish`);
  let text: string;
  if (format === 'json') text = `${resultJson(result.result)}\n`;
  else if (format === 'csv') text = resultCsv(result.result);
  else {
    if (result.result.mode !== 'full') throw new InputError(`--format svg: draws the full matrix; this session is ${result.result.mode} mode`);
    text = resultSvg(result.result, `memscope: ${session.header.source.path}`);
  }
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)}\n`);
  }
  return 0;
}

/** Headless follow: print events as another process appends them, then the result. */
async function follow(path: string, json: boolean, io: CliIo): Promise<number> {
  const controller = new AbortController();
  const signals = trapSignals(controller);
  const print = printProgress(io.stderr as never);
  let result: RunResult | undefined;
  let end: string | undefined;
  const follower = new SessionFollower(path, {
    header: (header) => io.stderr.write(`following ${neutralize(path)}: ${neutralize(header.source.path)}, ${header.settings.mode} mode, started ${header.created}\n`),
    event: ({ event }) => {
      print(event);
      if (event.type === 'run-done') result = event.result;
      if (event.type === 'run-failed') end = `the run failed: ${event.reason}`;
      if (event.type === 'run-interrupted') end = 'the run was interrupted';
    },
  }).start();
  controller.signal.addEventListener('abort', () => follower.stop());
  try {
    await follower.done;
  } finally {
    signals.release();
  }
  if (!follower.ended) throw new Interrupt(signals.exitCode() ?? 130);
  if (result === undefined) throw new ScoringError(`${path}: no result: ${end ?? 'the run did not finish'}`);
  io.stdout.write(json ? `${resultJson(result)}\n` : resultText(result));
  return 0;
}

/** Opens a screen feed on the terminal, with a loading line while the screen's modules load. */
async function onScreen(file: string, io: CliIo, makeFeed: (signal: AbortSignal) => Promise<import('./screen.tsx').ScreenFeed>): Promise<number> {
  const controller = new AbortController();
  // Until the screen takes them, a signal leaves the loading line (e.g. a followed file that never appears).
  const signals = trapSignals(controller);
  enterAltScreen(io.stdout);
  drawLoading(io.stdout, `memscope: loading ${neutralize(file)}…`);
  let feed;
  let showScreen: typeof import('./screen.tsx').showScreen;
  try {
    // The screen's modules first: loading them while a follower's file watcher starts up has
    // been seen to stall the module loader (tsx, Node 20); in sequence it never does.
    [feed, { showScreen }] = await Promise.all([makeFeed(controller.signal), import('./screen.tsx')]);
  } catch (error) {
    leaveAltScreen(io.stdout);
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    signals.release();
  }
  const code = signals.exitCode();
  if (code !== undefined) {
    feed.stop();
    leaveAltScreen(io.stdout);
    throw new Interrupt(code);
  }
  return showScreen(feed, { env: io.env });
}

function parseSpeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) throw new InputError(`--speed: expected a number from ${MIN_SPEED} to ${MAX_SPEED}, got "${text}"`);
  return speed;
}

/** A session on the screen: replayed from its file, or followed while another process writes it. */
export async function replayOnScreen(path: string, io: CliIo, options: { follow?: boolean; speed?: number | undefined; instant?: boolean } = {}): Promise<number> {
  const feedOptions = { ...(options.speed !== undefined ? { speed: options.speed } : {}), ...(options.instant ? { instant: true } : {}) };
  if (options.follow) return onScreen(path, io, (signal) => followFeed(path, feedOptions, signal));
  const session = await readSession(path);
  return onScreen(path, io, async () => replayFeed(session, feedOptions));
}

async function replay(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      headless: { type: 'boolean', default: false },
      follow: { type: 'boolean', default: false },
      speed: { type: 'string' },
      instant: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new InputError('replay: name one session file');
  const speed = parseSpeed(values.speed);
  if (io.isTTY && !values.json && !values.headless) return replayOnScreen(positionals[0]!, io, { follow: values.follow, speed, instant: values.instant });
  if (values.follow) return follow(positionals[0]!, values.json, io);
  const session = await readSession(positionals[0]!);
  const print = printProgress(io.stderr as never);
  let result: RunResult | undefined;
  for (const { event } of session.events) {
    print(event);
    if (event.type === 'run-done') result = event.result;
  }
  if (session.cut) io.stderr.write(`${neutralize(session.path)}: the tail was cut (a partial last line); replayed ${session.events.length} complete events\n`);
  const why = { failed: 'the run failed', interrupted: 'the run was interrupted', cut: 'the recording was cut short', running: 'the run has not finished', done: '' }[session.state];
  if (result === undefined && values.json && session.state !== 'failed') {
    // An unfinished full-matrix run: the rows done so far, rebuilt through the screen's reducer.
    const partial = partialFullResult(stateAt(session.events, session.events.length));
    if (partial) {
      io.stderr.write(`${neutralize(session.path)}: ${why}: partial result, ${partial.done} of ${partial.total} memories scored${partial.failed ? `, ${partial.failed} failed` : ''} (rows not scored read 0)\n`);
      io.stdout.write(`${resultJson(partial.result)}\n`);
      return 0;
    }
  }
  if (result === undefined) throw new ScoringError(`${session.path}: no result to print: ${why}`);
  io.stdout.write(values.json ? `${resultJson(result)}\n` : resultText(result));
  return 0;
}

async function sessions(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, headless: { type: 'boolean', default: false }, dir: { type: 'string' } },
    allowPositionals: false,
    strict: true,
  });
  void positionals;
  const dir = values.dir ?? sessionsDir(io.env);
  if (!io.isTTY || values.json || values.headless) {
    const list = await listSessions(dir);
    if (values.json) {
      for (const summary of list) io.stdout.write(`${safeJson(summary)}\n`);
      return 0;
    }
    if (list.length === 0) {
      io.stderr.write(`no sessions in ${neutralize(dir)}\n`);
      return 0;
    }
    const rows = [SESSION_COLUMNS, ...list.map((summary) => [...sessionRow(summary), summary.path])].map((row) => row.map(neutralize));
    rows[0] = [...rows[0]!, 'file'];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) io.stdout.write(`${row.map((cell, i) => (i === 3 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
    return 0;
  }
  await mkdir(dir, { recursive: true });
  const directory = await new SessionDirectory(dir).start();
  const { showSessions } = await import('./sessions-screen.tsx');
  try {
    let notice: string | undefined;
    for (;;) {
      const choice = await showSessions(directory, io.env, notice);
      if ('quit' in choice) return choice.quit ?? 0;
      notice = undefined;
      // A session that cannot be read says so on the list, rather than ending it.
      try {
        const state = directory.getSnapshot().find((x) => x.path === choice.open)?.state;
        const code = await replayOnScreen(choice.open, io, { follow: state === 'running' });
        if (code >= 128) return code;
      } catch (error) {
        if (error instanceof Interrupt) return error.exitCode;
        if (!(error instanceof InputError)) throw error;
        notice = error.message;
      }
    }
  } finally {
    await directory.close();
  }
}

async function watchCommand(settings: ScoreSettings, io: CliIo): Promise<number> {
  if (wantsScreen(settings, io)) {
    // Bad input on the first load ends with its one line before the screen opens.
    await loadForSettings(settings);
    // Each run is recorded, as `score` on the screen records its run.
    const record = recordWatchRuns(settings, VERSION, settings.record !== undefined ? { record: settings.record } : { directory: sessionsDir(io.env) });
    return onScreen(settings.file, io, async () => watchFeed(settings, record));
  }
  const controller = new AbortController();
  const signals = trapSignals(controller);
  const print = printProgress(io.stderr as never);
  try {
    await watchContext(
      settings,
      {
        onEvent: print,
        onNotice: (text) => io.stderr.write(`${text}\n`),
        onResult: (text) => io.stdout.write(text),
        ...(settings.record !== undefined ? { onRun: recordWatchRuns(settings, VERSION, { record: settings.record }) } : {}),
      },
      controller.signal,
    );
  } finally {
    signals.release();
  }
  throw new Interrupt(signals.exitCode() ?? 130);
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      latency: { type: 'string', default: '0' },
      'max-body': { type: 'string', default: String(DEFAULT_MAX_BODY) },
      'max-prompt': { type: 'string', default: String(DEFAULT_MAX_PROMPT) },
    },
    strict: true,
  });
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new InputError(`--port: expected 0 to 65535, got "${values.port}"`);
  for (const flag of ['latency', 'max-body', 'max-prompt'] as const) {
    if (!/^\d+$/.test(values[flag])) throw new InputError(`--${flag}: expected a whole number, got "${values[flag]}"`);
  }
  const server = createScoreServer({ latencyMs: Number(values.latency), maxBodyBytes: Number(values['max-body']), maxPromptTokens: Number(values['max-prompt']) });
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

const convertOptionSpec = {
  output: { type: 'string', short: 'o' },
  tokenizer: { type: 'string' },
  template: { type: 'string' },
  url: { type: 'string' },
  model: { type: 'string' },
  'api-key-env': { type: 'string' },
  'api-key-file': { type: 'string' },
  timeout: { type: 'string' },
} as const;

async function convert(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: convertOptionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError((error as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new InputError('convert: name one context file');
  const urls = values.url === undefined ? [] : [checkUrl(values.url)];
  const { tokenizer, template } = await parseTokenizing(values, urls);
  if (tokenizer !== 'server') {
    for (const flag of ['url', 'model', 'api-key-env', 'api-key-file', 'timeout'] as const) {
      if (values[flag] !== undefined) throw new InputError(`--${flag} goes with --tokenizer server`);
    }
  }
  const timeoutSeconds = parseDuration('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS);
  if (timeoutSeconds <= 0) throw new InputError('--timeout: must be more than 0');
  const controller = new AbortController();
  const signals = trapSignals(controller);
  let loaded: LoadedContext;
  try {
    loaded = await loadWithTokenizer(
      positionals[0]!,
      tokenizer === 'server'
        ? {
            url: urls[0]!,
            model: values.model ?? null,
            template: template!,
            apiKey: await readApiKey(values['api-key-env'], values['api-key-file'], io.env),
            timeoutMs: timeoutSeconds * 1000,
            concurrency: DEFAULT_CONCURRENCY,
            signal: controller.signal,
          }
        : undefined,
    );
  } catch (error) {
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    signals.release();
  }
  const text = `${safeJson(contextToNative(loaded.context))}\n`;
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)} (native format, ${loaded.format} input)\n`);
  }
  return 0;
}

const SCHEMAS: Record<string, z.ZodType> = {
  context: NativeContextSchema,
  chat: ChatContextSchema,
  weights: WeightStoreSchema,
  template: TemplateFileSchema,
  'session-header': SessionHeaderSchema,
  'session-event': SessionEventLineSchema,
};

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
      if (io.isTTY) return score(await parseScoreSettings([DEMO_FIXTURE, '--latency', String(DEMO_LATENCY_MS)], io.env), io);
      io.stderr.write(`memscope demo: scoring ${DEMO_FIXTURE} on the built-in scorer (memscope --help for more)\n`);
      return score(await parseScoreSettings([DEMO_FIXTURE, '--headless'], io.env), io);
    case 'score':
      return score(await parseScoreSettings(rest, io.env), io);
    case 'watch':
      return watchCommand(await parseScoreSettings(rest, io.env), io);
    case 'serve':
      return serve(rest, io);
    case 'convert':
      return convert(rest, io);
    case 'replay':
      return replay(rest, io);
    case 'export':
      return exportSession(rest, io);
    case 'sessions':
      return sessions(rest, io);
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
