// The top bar: what is scored, on what, and how far the run is.
import { displayWidth, fit, fitMiddle } from '../src/core/display-width.ts';
import { MODE_TITLES } from '../src/engine/events.ts';
import { formatThreshold } from '../src/engine/group-search.ts';
import { raisedThreshold, runFloor } from '../src/engine/noise-floor.ts';
import type { ReplayStatus } from '../src/tui/replay-driver.ts';
import { callRate, elapsedMs, runEnd, type RunState } from '../src/tui/run-state.ts';
import { neutralize } from '../src/core/sanitize.ts';
import { SIMULATED, isSimulated } from '../src/builtin/builtin-label.ts';
import { formatDivergence, formatDuration, formatRate } from '../src/tui/screen-format.ts';
import type { Theme } from '../src/tui/screen-theme.ts';
import { paint } from '../src/tui/term-style.ts';
import { Line } from './Lines.tsx';

/** Room kept beside the path for the mode title ("full matrix" after "starting"). */
const MODE_ROOM = 12;

export interface HeaderProps {
  readonly state: RunState;
  readonly file: string;
  readonly width: number;
  readonly now: number;
  readonly theme: Theme;
  /** Replaying a session: where the replay is, how fast, paused or not. */
  readonly replay?: ReplayStatus | undefined;
  /** A word before the mode, e.g. "watch". */
  readonly tag?: string | undefined;
}

/** "replay 12/164 ×2 paused", "replay 164/164 instant tail cut", "follow 40/40 live". */
export function replayLabel(status: ReplayStatus): string {
  const parts = [`${status.live ? 'follow' : 'replay'} ${status.position}/${status.total}`];
  parts.push(status.instant ? 'instant' : `×${Number(status.speed.toFixed(3))}`);
  if (status.ended) parts.push('end');
  else if (status.paused) parts.push('⏸ paused');
  if (status.live) parts.push('live');
  if (status.cut) parts.push('tail cut');
  return parts.join(' ');
}

/** The file as shown: the whole path when it fits, else its tail. */
function fileLabel(safe: string, room: number): string {
  if (displayWidth(safe) <= room) return safe;
  const base = safe.split('/').at(-1) ?? safe;
  return displayWidth(base) <= room ? base : fitMiddle(base, Math.max(1, room)).trimEnd();
}

/** The header's text: what it shows between the title and the clock, and whether it says what must be said of the backend. */
export interface HeaderText {
  readonly title: string;
  readonly middle: string;
  readonly right: string;
  /** False when the row has no room for the backend, not even for the two words "simulated latency"
   *  of a latency added on purpose: then the activity line says them. */
  readonly backendSaid: boolean;
}

export function headerText({ state, file: file_, width, now, replay, tag }: Omit<HeaderProps, 'theme'>): HeaderText {
  // Calls answered, as the line after the screen counts them (a call cut short or failed is not one).
  const end = runEnd(state, now);
  const calls = `${end.answered}/${end.total} calls`;
  const rate = `${formatRate(callRate(state, now))}/s`;
  const replayText = replay ? `${replayLabel(replay)}  ` : '';
  const right = ` ${replayText}${formatDuration(elapsedMs(state, now))}  ${calls}  ${rate} `;
  // An estimated matrix says so, and how many ablations it rests on.
  // A group search too, with its threshold.
  // Once the noise floor is known, where it raised the search's threshold: T→the highest.
  const raised = state.search && state.noise ? raisedThreshold(state.search.threshold, state.noise.floors, state.noise.factor) : undefined;
  const searchT = state.search ? `T=${formatThreshold(state.search.threshold)}${raised !== undefined ? `→${formatDivergence(raised)}` : ''}` : '';
  const how = state.estimate ? ` (ESTIMATE ${state.estimate.ablations}/${state.estimate.of} ablations)` : state.search ? ` (search ${searchT})` : '';
  // The run's noise floor (--noise): the widest band a cell is judged by.
  // A floor of 0 says so: the repeats gave the baseline's logprobs exactly, so nothing is taken for noise.
  const floor = state.noise !== null ? runFloor(state.noise.floors) : 0;
  const noise = state.noise === null ? '' : floor === 0 ? ' noise 0 (repeats identical)' : ` noise ≤${formatDivergence(state.noise.factor * floor)}`;
  const modeTitle = `${state.mode ? MODE_TITLES[state.mode] : 'starting'}${how}${noise}`;
  const mode = tag ? `${tag} · ${modeTitle}` : modeTitle;
  const backend = state.backend ? `${neutralize(state.model ?? 'model?')} @ ${neutralize(state.backend)}` : '';
  const title = ' memscope ';
  const room = width - displayWidth(title) - displayWidth(right) - 1;
  const sep = ' · ';
  const file = neutralize(file_);
  // The file matters most, then the mode, then the backend: shorten the path to its name, then
  // drop from the end, until it fits.
  const base = file.split('/').at(-1) ?? file;
  // The path or its name is chosen by the room alone (with a margin for the longest mode title and
  // a growing clock), not by what else is shown, so it does not switch as the run's details arrive.
  const total = String(Math.max(state.calls.total, 999));
  const widestRight = ` ${replay ? `${replayLabel({ ...replay, position: replay.total, ended: true })}  ` : ''}0:00:00  ${total}/${total} calls  999.9/s `;
  const fileRoom = width - displayWidth(title) - Math.max(displayWidth(right), displayWidth(widestRight)) - 1;
  const shownFile = displayWidth(file) + sep.length + Math.max(MODE_ROOM, displayWidth(mode)) <= fileRoom ? file : base;
  // Without room for the backend, a latency added on purpose (the demo) is still said, in two words.
  const simulated = isSimulated(state.backend ?? '') ? SIMULATED : '';
  const candidates = [[shownFile, mode, backend], [shownFile, mode, simulated], [shownFile, mode], [shownFile]].map((parts) => parts.filter(Boolean));
  const chosen = candidates.find((parts) => displayWidth(parts.join(sep)) <= room) ?? [fileLabel(file, room)];
  const middle = fit(' ' + chosen.join(sep), width - displayWidth(title) - displayWidth(right));
  const said = [backend, simulated].filter(Boolean);
  return { title, middle, right, backendSaid: said.length === 0 || said.some((part) => chosen.includes(part)) };
}

export function Header(props: HeaderProps) {
  const s = props.theme.style;
  const { title, middle, right } = headerText(props);
  return <Line slot="header" text={paint(title, s.barTitle) + paint(middle, s.bar) + paint(right, s.bar)} />;
}
