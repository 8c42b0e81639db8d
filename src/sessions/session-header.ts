// The header of a recording: what was scored, against what, with which settings. Built from the
// settings by an explicit list, so a secret can never slip in.
import { resolve } from 'node:path';
import type { LoadedContext } from '../context/load-context.ts';
import { contextToNative } from '../context/native-format.ts';
import { backendRun } from '../run/backends.ts';
import type { ScoreSettings } from '../run/score-settings.ts';
import { SESSION_FORMAT, SESSION_VERSION, type SessionHeader } from './session-format.ts';

export function sessionHeader(loaded: LoadedContext, settings: ScoreSettings, model: string | null, version: string, created: Date): SessionHeader {
  const recorded: SessionHeader['settings'] = {
    mode: settings.mode,
    concurrency: settings.concurrency,
    priority: settings.priority ?? null,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    backend: settings.backend,
    tokenizer: settings.tokenizer,
  };
  Object.assign(recorded, backendRun(settings).recorded?.(settings));
  if (settings.maxModelLen !== undefined) recorded.maxModelLen = settings.maxModelLen;
  if (settings.template !== undefined) recorded.template = settings.template.name;
  if (settings.search !== undefined) {
    recorded.search = settings.search;
    recorded.margin = settings.margin;
  }
  if (settings.mode === 'single') recorded.key = settings.key ?? null;
  if (settings.mode === 'finetune') recorded.count = settings.count;
  if (settings.mode === 'incremental') {
    recorded.window = settings.window;
    recorded.maxAgeSeconds = settings.maxAgeSeconds;
    recorded.alpha = settings.alpha;
    recorded.store = settings.storePath;
  }
  return {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    created: created.toISOString(),
    memscope: version,
    pid: process.pid,
    // Absolute, so the sessions list reads the same whatever directory each run started in.
    source: { path: resolve(loaded.path), format: loaded.format },
    backend: { urls: settings.urls.length > 0 ? settings.urls : ['built-in'], model },
    settings: recorded,
    context: contextToNative(loaded.context),
  };
}
