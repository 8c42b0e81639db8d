// The sessions directory keeps the newest sessions only (100 unless MEMSCOPE_SESSIONS_KEEP says
// otherwise): every run on the screen records one, and short trials pile them up.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { plural } from '../core/plural.ts';
import { SESSION_FILE } from './session-format.ts';

export const DEFAULT_SESSIONS_KEEP = 100;

/** How many sessions to keep: MEMSCOPE_SESSIONS_KEEP (a whole number ≥ 1, or "all"), else 100. */
export function sessionsKeep(env: NodeJS.ProcessEnv): number {
  const text = env.MEMSCOPE_SESSIONS_KEEP?.trim();
  if (text === undefined || text === '') return DEFAULT_SESSIONS_KEEP;
  if (text === 'all') return Infinity;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InputError(`MEMSCOPE_SESSIONS_KEEP: expected a whole number ≥ 1 or "all", got "${text}"`);
  return Number(text);
}

/**
 * Removes the oldest session files of `dir` beyond the newest `keep` (by modification time, the
 * name breaking ties); never `spare` (the session being recorded). Returns how many went. A file
 * that vanished meanwhile, or cannot be removed, is left to the next run.
 */
export function pruneSessions(dir: string, keep: number, spare?: string): number {
  if (!Number.isFinite(keep)) return 0;
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => SESSION_FILE.test(name));
  } catch {
    return 0;
  }
  if (names.length <= keep) return 0;
  const files = names
    .map((name) => {
      try {
        return { path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((f): f is { path: string; mtime: number } => f !== undefined)
    .sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  const spared = spare === undefined ? undefined : resolve(spare);
  let removed = 0;
  for (const file of files.slice(keep)) {
    if (resolve(file.path) === spared) continue;
    try {
      unlinkSync(file.path);
      removed++;
    } catch {
      // Gone already, or not ours to remove: the next run tries again.
    }
  }
  return removed;
}

/** The line that says retention removed sessions (none: no line). */
export function prunedNotice(removed: number, dir: string, keep: number): string | undefined {
  if (removed === 0) return undefined;
  return `removed the ${plural(removed, 'oldest session')} from ${dir}: it keeps the newest ${keep} (MEMSCOPE_SESSIONS_KEEP)`;
}

/** Bytes, as a short human figure: 980 B, 4.3 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}
