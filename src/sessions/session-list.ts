// The recorded sessions in a directory: listed once, or kept up to date while files appear,
// grow and end (chokidar on the directory). Each file is summarised cheaply (session-summary.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { SESSION_FILE } from './session-format.ts';
import { summarizeSession, type SessionSummary } from './session-summary.ts';


/** Newest first. */
function byTime(a: SessionSummary, b: SessionSummary): number {
  return b.created.localeCompare(a.created) || a.path.localeCompare(b.path);
}

export async function listSessions(dir: string): Promise<SessionSummary[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const summaries = await Promise.all(names.filter((name) => SESSION_FILE.test(name)).map((name) => summarizeSession(join(dir, name))));
  return summaries.filter((s): s is SessionSummary => s !== undefined).sort(byTime);
}

/** How often a running session is looked at again: it may end, or its process may die. */
const RECHECK_MS = 1000;

export class SessionDirectory {
  private readonly byPath = new Map<string, SessionSummary>();
  private list: readonly SessionSummary[] = [];
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly dir: string) {}

  async start(): Promise<this> {
    for (const summary of await listSessions(this.dir)) this.byPath.set(summary.path, summary);
    this.publish();
    this.watcher = watch(this.dir, { depth: 0, ignoreInitial: true });
    const touched = (path: string) => {
      if (SESSION_FILE.test(path)) this.refreshSoon(path);
    };
    this.watcher.on('add', touched);
    this.watcher.on('change', touched);
    this.watcher.on('unlink', (path) => {
      if (this.byPath.delete(path)) this.publish();
    });
    this.recheck = setInterval(() => {
      for (const summary of this.byPath.values()) if (summary.state === 'running') this.refreshSoon(summary.path);
    }, RECHECK_MS);
    return this;
  }

  /** A burst of appends to one file is one read. */
  private refreshSoon(path: string): void {
    if (this.timers.has(path)) return;
    this.timers.set(
      path,
      setTimeout(() => {
        this.timers.delete(path);
        void summarizeSession(path).then((summary) => {
          if (!summary || !this.watcher) return;
          this.byPath.set(path, summary);
          this.publish();
        });
      }, 100),
    );
  }

  private publish(): void {
    this.list = [...this.byPath.values()].sort(byTime);
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): readonly SessionSummary[] => this.list;

  async close(): Promise<void> {
    clearInterval(this.recheck);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }
}

/** The columns of the list, as text (headless table and screen share them). */
export function sessionRow(summary: SessionSummary): string[] {
  const created = summary.created.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return [created, summary.context, summary.mode, String(summary.memories ?? '?'), String(summary.responses ?? '?'), summary.state];
}

export const SESSION_COLUMNS = ['time', 'context', 'mode', 'memories', 'responses', 'state'];
