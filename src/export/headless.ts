// Headless runs: progress as plain lines on stderr, the result on stdout (JSON with --json,
// a short table otherwise). Every piece of context text is neutralised before it is printed.
import type { Writable } from 'node:stream';
import { MODE_TITLES, retryText, type EngineEvent, type Mode, type RunResult } from '../engine/events.ts';
import { plural } from '../core/plural.ts';
import { neutralize, safeJson } from '../core/sanitize.ts';
import { formatThreshold } from '../engine/group-search.ts';
import { SCORE_THRESHOLD } from '../engine/divergence.ts';
import { isNoise, isNoiseCell, noiseLimit, runFloor } from '../engine/noise-floor.ts';

export function formatNumber(value: number): string {
  return value.toFixed(3);
}

/** What the server said of the run's prompts: how many tokens its prefix cache served. */
export function serverNote(server: { requests: number; prompt_tokens: number; cached_tokens?: number } | undefined): string {
  if (server === undefined) return '';
  const sent = `${server.requests} requests, ${server.prompt_tokens} prompt tokens`;
  if (server.cached_tokens === undefined) return `; server: ${sent}`;
  return `; server: ${sent}, ${server.cached_tokens} reused from its prefix cache, ${server.prompt_tokens - server.cached_tokens} computed`;
}

/** Why a run has nothing to score (full: no memories or no responses; finetune: no responses), else undefined. */
export function nothingToScore(mode: Mode, memories: number, responses: number, calls: number): string | undefined {
  if (calls > 0) return undefined;
  if (mode === 'full' && (memories === 0 || responses === 0)) return `the context has no ${memories === 0 ? 'memories' : 'assistant responses'}`;
  if (mode === 'finetune' && responses === 0) return 'the context has no assistant responses';
  return undefined;
}

function resultCount(result: RunResult, what: 'memories' | 'responses'): number {
  if (result.mode === 'full') return result[what].length;
  if (result.mode === 'finetune') return what === 'responses' ? result.candidates.length : 0;
  return 1;
}

/** The stderr line for an event, or undefined for events that print nothing; `elapsedMs`: since the run started. */
export function progressLine(event: EngineEvent, elapsedMs: number): string | undefined {
  switch (event.type) {
    case 'run-started': {
      const what =
        event.mode === 'finetune'
          ? plural(event.responses.length, 'response')
          : `${plural(event.memories.length, 'memory', 'memories')} × ${plural(event.responses.length, 'response')}`;
      const calls = event.search ? `${event.totalCalls} calls to start (splits add more)` : `${event.totalCalls} calls`;
      const title = event.search ? `${MODE_TITLES[event.mode]}, group search T=${formatThreshold(event.search.threshold)}` : MODE_TITLES[event.mode];
      const nothing = nothingToScore(event.mode, event.memories.length, event.responses.length, event.totalCalls);
      if (nothing !== undefined) return `${title}: nothing to score: ${nothing}`;
      return `${title}: ${what}, ${calls}, backend ${event.backend}`;
    }
    case 'activity':
      return neutralize(event.text);
    case 'row-done':
      return `  ${neutralize(event.key)}: max ${formatNumber(event.max)}`;
    case 'call-retry':
      return `  ${neutralize(retryText(event))}`;
    case 'replica-down':
      return `replica ${neutralize(event.backend)} set aside for ${(event.retryInMs / 1000).toFixed(1)}s: ${neutralize(event.reason)}`;
    case 'replica-up':
      return `replica ${neutralize(event.backend)} is answering again`;
    case 'estimate-updated':
      return `estimate${event.final ? '' : ' so far'}: from ${event.ablations} of ${event.of} ablations`;
    case 'group-done':
      // Single memories print their row-done line.
      if (event.outcome === 'exact') return undefined;
      return `  ${event.count === 1 ? `memory ${event.first + 1}` : `memories ${event.first + 1}–${event.first + event.count}`}: max ${formatNumber(event.max)}, ${event.outcome === 'split' ? `split (${plural(event.calls, 'call')})` : event.called ? 'cleared' : 'cleared without a call'}`;
    case 'noise-floor':
      return noiseLine(event.floors, event.factor, event.repeats);
    case 'row-failed':
      return `  ${neutralize(event.key)}: FAILED: ${neutralize(event.reason)}`;
    case 'memory-skipped':
      return `  ${neutralize(event.key)}: skipped: ${neutralize(event.reason)}`;
    case 'run-done':
      // A run with nothing to score said so when it started.
      if (nothingToScore(event.result.mode, resultCount(event.result, 'memories'), resultCount(event.result, 'responses'), event.result.calls) !== undefined) return undefined;
      return `done: ${event.result.calls} calls in ${(elapsedMs / 1000).toFixed(2)}s${serverNote(event.server)}`;
    case 'run-failed':
    case 'run-interrupted':
    default:
      return undefined;
  }
}

/** What the repeats of the baseline measured, and the rule the result is read by. */
function noiseLine(floors: readonly number[], factor: number, repeats: number): string {
  // Nothing moved: a deterministic server, or repeats that ran exactly as the baseline did.
  if (runFloor(floors) === 0) return `noise floor: 0 (the baseline scored ${1 + repeats} times gave the same logprobs): no cell is taken for noise`;
  return `noise floor: up to ${formatNumber(runFloor(floors))} a response (the baseline scored ${1 + repeats} times); a divergence within ${factor} × its response's floor is noise`;
}

export function resultJson(result: RunResult): string {
  return safeJson(result);
}

/** The human-readable result for stdout without --json. */
export function resultText(result: RunResult): string {
  // Nothing to score: the progress line said so, once.
  if (nothingToScore(result.mode, resultCount(result, 'memories'), resultCount(result, 'responses'), result.calls) !== undefined) return '';
  const lines: string[] = [];
  switch (result.mode) {
    case 'full': {
      const how =
        result.estimate !== undefined
          ? `, ESTIMATED from ${result.estimate} random ablations`
          : result.search !== undefined
            ? result.search.raised === undefined
              ? `, group search T=${formatThreshold(result.search.threshold)}: exact at and above T; "< b": below T, not scored alone`
              : `, group search T=${formatThreshold(result.search.threshold)}, raised by the noise floor to ${formatNumber(result.search.raised)} at the noisiest response: exact at and above each response's threshold; "< b": below it, not scored alone`
            : '';
      // With a noise floor (--noise) a memory ranks by its largest divergence above the noise; one
      // whose cells are all within it goes last, its max marked ~ (measured, not a finding).
      const floors = result.responses.map((r) => r.noise ?? 0);
      // (`max` is already the largest divergence above the noise: the engine's fullWithNoise.)
      const noiseOnly = (i: number) => !result.memories[i]!.failed && !(result.memories[i]!.max > SCORE_THRESHOLD) && result.matrix[i]!.some((d, j) => isNoiseCell(d, floors[j]!));
      const order = result.memories.map((m, i) => ({ ...m, i })).sort((a, b) => Number(noiseOnly(a.i)) - Number(noiseOnly(b.i)) || b.max - a.max);
      lines.push(`memory importance (max divergence over ${plural(result.responses.length, 'response')}${how}):`);
      // A memory the search cleared with its group shows its bound, not a measured 0.
      const shown = (m: (typeof order)[number]) => (m.exact === false && m.bound !== undefined ? `< ${formatNumber(m.bound)}` : noiseOnly(m.i) ? '~' : formatNumber(m.max));
      for (const m of order) lines.push(`  ${shown(m).padStart(10)}  ${neutralize(m.key)}${m.failed ? `  FAILED: ${neutralize(m.reason ?? '')}` : ''}`);
      if (order.some((m) => noiseOnly(m.i))) lines.push('  (~: every cell of the memory is within its response\'s noise: not a finding)');
      break;
    }
    case 'single': {
      const noise = result.noise !== undefined && isNoise(result.score, result.noise) ? `; within the noise (≤ ${formatNumber(noiseLimit(result.noise))}): not a finding` : '';
      lines.push(`${neutralize(result.key)}: ${formatNumber(result.score)} (sum of divergence${noise})`);
      break;
    }
    case 'finetune':
      lines.push('fine-tune candidates (entry, divergence without memories):');
      for (const c of result.candidates) lines.push(`  ${String(c.entry).padStart(6)}  ${formatNumber(c.divergence)}`);
      break;
    case 'incremental':
      lines.push(`scored ${result.scored.length}, skipped ${result.skipped.length}:`);
      for (const s of result.scored) lines.push(`  ${neutralize(s.key)}: score ${formatNumber(s.score)}, weight ${formatNumber(s.weight)}`);
      for (const s of result.skipped) lines.push(`  ${neutralize(s.key)}: skipped: ${neutralize(s.reason)}`);
      break;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Prints each event's line. Times count from the run's own start (each run of a watch has its
 * own); `at` is when the event happened: now for a live run, the recorded time for a replay.
 */
export function printProgress(stderr: Writable): (event: EngineEvent, at?: number) => void {
  let started: number | undefined;
  // Calls retried in one wave (a server gone: every call in flight) say so once, until a result
  // lands between waves.
  let lastRetry: string | undefined;
  return (event, at = Date.now()) => {
    if (event.type === 'run-started' || started === undefined) started = at;
    if (event.type === 'call-retry') {
      const wave = `${event.attempt}\u0000${event.reason}`;
      if (wave === lastRetry) return;
      lastRetry = wave;
    } else if (event.type === 'row-done' || event.type === 'row-failed' || event.type === 'baseline-done' || event.type === 'run-started') lastRetry = undefined;
    const line = progressLine(event, at - started);
    if (line !== undefined) stderr.write(`${line}\n`);
  };
}
