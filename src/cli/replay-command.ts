// `memscope replay <session>`: on the screen (at its original pace, faster, or at once), or
// headless printing the run's result; --follow for a session another process is still writing.
import { Interrupt, trapSignals, type CliIo } from './cli-io.ts';
import { InputError, ScoringError } from '../core/errors.ts';
import { COMMANDS, DEFAULT_FOLLOW_WAIT_SECONDS, parseCommandArgs } from './commands.ts';
import { waitForFile } from '../core/wait-for-file.ts';
import type { RunResult } from '../engine/events.ts';
import { printProgress, resultJson, resultText } from '../export/headless.ts';
import { openRunView } from './open-run-view.ts';
import { partialFullResult } from '../tui/partial-result.ts';
import { MAX_SPEED, MIN_SPEED, stateAt } from '../tui/replay-driver.ts';
import { followFeed, replayFeed } from '../app/replay-feed.ts';
import { neutralize } from '../core/sanitize.ts';
import { SessionFollower } from '../sessions/session-follower.ts';
import { noResultReason, readSession } from '../sessions/session-reader.ts';

/** A followed file that is not there yet: said once on stderr, waited for up to `seconds`. */
async function awaitSession(path: string, seconds: number, io: CliIo): Promise<void> {
  const controller = new AbortController();
  const signals = trapSignals(controller);
  try {
    const waiting = () => io.stderr.write(`memscope: waiting for ${neutralize(path)} to appear (up to ${seconds} s; --wait SECONDS)\n`);
    if (!(await waitForFile(path, seconds, waiting, controller.signal))) throw new Interrupt(signals.exitCode() ?? 130);
  } finally {
    signals.release();
  }
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
    event: ({ event, t }) => {
      print(event, t);
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

function parseWait(text: string | undefined, follow: boolean): number {
  if (text === undefined) return DEFAULT_FOLLOW_WAIT_SECONDS;
  if (!follow) throw new InputError('--wait goes with --follow');
  if (!/^\d+(\.\d+)?$/.test(text)) throw new InputError(`--wait: expected seconds, 0 or more, got "${text}"`);
  return Number(text);
}

function parseSpeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) throw new InputError(`--speed: expected a number from ${MIN_SPEED} to ${MAX_SPEED}, got "${text}"`);
  return speed;
}

/** A session on the screen: replayed from its file, or followed while another process writes it. */
export async function replayOnScreen(path: string, io: CliIo, options: { follow?: boolean; speed?: number | undefined; instant?: boolean; wait?: number } = {}): Promise<number> {
  const feedOptions = { ...(options.speed !== undefined ? { speed: options.speed } : {}), ...(options.instant ? { instant: true } : {}) };
  if (options.follow) {
    // Waited for before the screen opens, so the wait and its end are lines on the terminal.
    await awaitSession(path, options.wait ?? DEFAULT_FOLLOW_WAIT_SECONDS, io);
    return openRunView(path, io, (controller) => followFeed(path, feedOptions, controller.signal));
  }
  const session = await readSession(path);
  return openRunView(path, io, () => Promise.resolve(replayFeed(session, feedOptions)));
}

export async function replay(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMANDS.replay, args);
  if (positionals.length !== 1) throw new InputError('replay: name one session file');
  const speed = parseSpeed(values.speed);
  if (speed !== undefined && values.instant) throw new InputError('--instant and --speed: give one (--instant shows the end at once, --speed X replays X times faster)');
  const wait = parseWait(values.wait, values.follow);
  if (io.isTTY && !values.json && !values.headless) return replayOnScreen(positionals[0]!, io, { follow: values.follow, speed, instant: values.instant, wait });
  if (values.follow) {
    await awaitSession(positionals[0]!, wait, io);
    return follow(positionals[0]!, values.json, io);
  }
  const session = await readSession(positionals[0]!);
  const print = printProgress(io.stderr as never);
  let result: RunResult | undefined;
  for (const { event, t } of session.events) {
    // The recorded time: a replay says how long the run took, not how long the replay did.
    print(event, t);
    if (event.type === 'run-done') result = event.result;
  }
  if (session.cut) io.stderr.write(`${neutralize(session.path)}: the tail was cut (a partial last line); replayed ${session.events.length} complete events\n`);
  if (result === undefined && values.json && session.state !== 'failed') {
    // An unfinished full-matrix run: the rows done so far, rebuilt through the screen's reducer.
    const partial = partialFullResult(stateAt(session.events, session.events.length));
    if (partial) {
      io.stderr.write(`${neutralize(session.path)}: ${noResultReason(session.state)}: partial result, ${partial.done} of ${partial.total} memories scored${partial.failed ? `, ${partial.failed} failed` : ''} (rows not scored read 0)\n`);
      io.stdout.write(`${resultJson(partial.result)}\n`);
      // Printed for what it is worth, but not a result: exit 1, as every unfinished run.
      return 1;
    }
  }
  if (result === undefined) throw new ScoringError(`${session.path}: no result to print: ${noResultReason(session.state)}`);
  io.stdout.write(values.json ? `${resultJson(result)}\n` : resultText(result));
  return 0;
}

