// The options of `memscope score`, parsed and checked once, shared by the headless run and
// the screen.
import { readFile } from 'node:fs/promises';
import { LOGPROBS_FIELDS, type LogprobsField } from '../scoring/completions-answer.ts';
import { InputError } from '../core/errors.ts';
import { checkOutputFolder } from '../core/output-folder.ts';
import { parseFlags } from '../core/parse-flags.ts';
import { COMMON_FLAGS, valueHints, type FlagSpecs } from '../core/flag-spec.ts';
import { MODES, type Mode } from '../engine/events.ts';
import { BACKOFF_BASE_MS, DEFAULT_RETRIES } from '../scoring/retry-policy.ts';
import { loadTextTemplate } from '../context/template-file.ts';
import { RULE_FORMS, memoryRules } from '../context/memory-rules.ts';
import type { TextTemplate } from '../context/text-template.ts';
import { parseModelTemplate, type ModelTemplate } from './model-template.ts';
import { DEFAULT_SEED } from '../engine/modes/estimate.ts';
import { DEFAULT_ALPHA } from '../engine/modes/incremental.ts';
import { RESPONSE_WINDOW } from '../engine/modes/single.ts';
import { DEFAULT_CONCURRENCY } from '../core/limiter.ts';
import { BACKEND_FLAGS, BACKEND_NAMES, BACKENDS, DEFAULT_BACKEND, backendHelp, backendRun, backendsTaking, priorityDefaults, type BackendName } from './backends.ts';
import { defaultStorePath } from '../engine/weight-store.ts';
import { DEFAULT_THRESHOLD, SPLIT_FRACTION } from '../engine/group-search.ts';

export const DEFAULT_API_KEY_ENV = 'MEMSCOPE_API_KEY';
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_FINETUNE_COUNT = 50;
export const DEFAULT_MAX_AGE_SECONDS = 24 * 3600;

/** How chat-format input is tokenized: in-process, or by the server's POST /tokenize. */
export const TOKENIZERS = ['builtin', 'server'] as const;
export type TokenizerChoice = (typeof TOKENIZERS)[number];
export const DEFAULT_SERVER_TEMPLATE = 'chatml';

/** The flags of `score` and `watch`: parsed here, listed by their --help, named in flag errors. */
export const scoreOptionSpec = {
  url: { type: 'string', multiple: true, arg: 'URL', expects: 'a URL (http://host:port/v1)', help: 'scoring server base URL, e.g. http://127.0.0.1:8000/v1 (default: the built-in scorer); give it again for replicas of the same model (calls go to the least busy one)' },
  backend: { type: 'string', arg: 'B', expects: `one of ${BACKEND_NAMES.join(', ')}`, help: backendHelp() },
  'logprobs-field': { type: 'string', arg: 'F', expects: `one of ${LOGPROBS_FIELDS.join(', ')}`, help: `${backendsTaking('logprobs-field')}: prompt_logprobs (default, vLLM) | echo (echo + logprobs, read from choices[0].logprobs.token_logprobs)` },
  'max-model-len': { type: 'string', arg: 'N', expects: 'a whole number ≥ 2', help: `${backendsTaking('max-model-len')}: the server's context limit (default: asked of the server); a run whose longest prompt does not fit stops before any call` },
  tokenizer: { type: 'string', arg: 'T', expects: `one of ${TOKENIZERS.join(', ')}`, help: 'how chat-format input is tokenized: builtin (default) | server (POST /tokenize at the --url\'s root, one call per distinct text); native files keep their own token ids' },
  template: { type: 'string', arg: 'T', expects: 'chatml, llama3, server, a tokenizer_config.json, a .jinja or a template file', help: '--tokenizer server: chatml (default) | llama3 | FILE (a JSON template, see memscope schema template); the model\'s own template: server (vLLM\'s /tokenize renders the messages) | tokenizer_config.json | *.jinja (rendered here, tokenized by the server); refused where its renderings fail the checks' },
  noise: { type: 'string', arg: 'N', expects: 'a whole number of repeats of the baseline', help: 'score the baseline N more times over the run; a cell within 3× the spread is noise, not written to memory_scores (default 1 with completions and sglang, 0 with /score and the built-in scorer)' },
  model: { type: 'string', arg: 'NAME', expects: 'a model name', help: 'model name sent to the server (default: the context\'s, or memscope-builtin)' },
  memories: { type: 'string', multiple: true, arg: 'RULE…', expects: RULE_FORMS, help: 'the file is an agent\'s log: import it first (as memscope import) with these rules; the session header records them' },
  span: { type: 'string', arg: 'ID', expects: 'a span id', help: 'with --memories, an OTLP trace: the LLM call of this span (default: the last)' },
  mode: { type: 'string', default: 'full', arg: 'MODE', expects: `one of ${MODES.join(', ')}`, help: 'full (default) | single | incremental | finetune' },
  key: { type: 'string', arg: 'K', expects: 'a memory key', help: 'single: the memory key to score (one of the context\'s keys)' },
  count: { type: 'string', arg: 'N', expects: 'a whole number ≥ 1', help: 'finetune: how many recent entries to score (default 50)' },
  estimate: { type: 'string', arg: 'K', expects: 'a whole number of ablations', help: 'full: estimate the matrix from K random ablations (K + 1 calls, not N + 1)' },
  seed: { type: 'string', arg: 'S', expects: 'a whole number', help: 'with --estimate: seed of the random ablations (default 0)' },
  search: { type: 'boolean', default: false, help: 'full: group search: every cell ≥ T with its exact value, for far fewer tokens than the exact matrix' },
  threshold: { type: 'string', arg: 'T', expects: 'a number of nats more than 0', help: 'with --search: T in nats of a response\'s total logprob (default 1.0)' },
  margin: { type: 'string', arg: 'M', expects: 'a fraction from 0 up to 1', help: 'with --search: split groups that move a response by T×(1−M) (default 0.5; 0 where removing more memories never raises a logprob)' },
  window: { type: 'string', arg: 'N', expects: 'a whole number ≥ 1', help: 'incremental: responses after each memory (default 50)' },
  'max-age': { type: 'string', arg: 'DURATION', expects: 'a duration like 90, 90s, 15m, 6h or 2d', help: 'incremental: skip memories scored within it, e.g. 6h (default 24h)' },
  store: { type: 'string', arg: 'FILE', expects: 'a weight store file', help: 'incremental: weight store (default $XDG_STATE_HOME/memscope/weights.json)' },
  alpha: { type: 'string', arg: 'A', expects: 'a number in (0, 1]', help: 'incremental: weight EWMA smoothing in (0, 1] (default 0.3)' },
  concurrency: { type: 'string', arg: 'N', expects: 'a whole number ≥ 1', help: `score calls in flight at once (default ${DEFAULT_CONCURRENCY})` },
  priority: { type: 'string', arg: 'P|none', expects: 'a whole number or "none"', help: `priority sent with every call (default: ${priorityDefaults()}; vLLM and SGLang read it only when started with priority scheduling, lower served first)` },
  timeout: { type: 'string', arg: 'SECONDS', expects: 'seconds, more than 0', help: 'per call (default 300)' },
  retries: { type: 'string', arg: 'N', expects: 'a whole number', help: 'retries of a transient failure (refused, reset, timeout, 408/429/502/503/504; default 3)' },
  'retry-delay': { type: 'string', arg: 'MS', expects: 'milliseconds', help: 'first backoff delay, doubled each retry, with jitter (default 1000)' },
  'api-key-env': { type: 'string', arg: 'NAME', expects: 'the name of an environment variable', help: 'read the API key from this variable (default MEMSCOPE_API_KEY)' },
  'api-key-file': { type: 'string', arg: 'FILE', expects: 'a file holding the key', help: 'read the API key from this file' },
  latency: { type: 'string', arg: 'MS', expects: 'milliseconds', help: 'built-in scorer: add this much time to every call' },
  record: { type: 'string', arg: 'FILE', expects: 'a session file to write', help: 'record the run as a session file (JSON Lines); watch: a file per run (FILE, then FILE-2, FILE-3 … before the extension); its folder must exist' },
  force: { type: 'boolean', default: false, help: 'with --record: overwrite an existing file (else an existing file is an error)' },
  write: { type: 'string', arg: 'FILE', expects: 'a file to write', help: 'when the scoring is done, save the scored context in native form: each response\'s memory_scores as the run wrote them (> 0.01, noise left out); replaces FILE; its folder must exist' },
  json: { type: 'boolean', default: false, help: 'print the result as JSON on stdout' },
  headless: { type: 'boolean', default: false, help: 'no screen: progress lines on stderr (also when stdin or stdout is not a terminal)' },
} as const satisfies FlagSpecs;

export interface ScoreSettings {
  file: string;
  urls: string[];
  model: string | undefined;
  mode: Mode;
  key: string | undefined;
  count: number;
  json: boolean;
  headless: boolean;
  /** Never printed, logged or recorded. */
  apiKey: string | undefined;
  timeoutMs: number;
  concurrency: number;
  priority: number | undefined;
  storePath: string;
  maxAgeSeconds: number;
  window: number;
  alpha: number;
  latencyMs: number;
  retries: number;
  retryDelayMs: number;
  /** Session file to write; undefined: none (headless) or the default directory (screen). */
  record: string | undefined;
  /** --record overwrites an existing file. */
  force: boolean;
  /** --write: where the scored context is saved (native form, memory_scores included). */
  write: string | undefined;
  backend: BackendName;
  /** completions: which answer shape to ask for and read. */
  logprobsField: LogprobsField;
  /** Backends that probe their server: its context limit, when given (else asked of the server). */
  maxModelLen: number | undefined;
  tokenizer: TokenizerChoice;
  /** --tokenizer server: the template chat input is rendered with. */
  template: TextTemplate | undefined;
  /** --template server or a model's template file: the model's own chat template (model-template.ts). */
  modelTemplate: ModelTemplate | undefined;
  /** --noise N: the baseline scored N more times for each response's noise floor. */
  noise: number;
  /** full mode: estimate the matrix from this many random ablations. */
  estimate: number | undefined;
  seed: number;
  /** full mode: group search with this threshold (nats); undefined: the exact matrix or --estimate. */
  search: number | undefined;
  /** --search: groups split where they move a response by T × (1 − margin). */
  margin: number;
  debug: boolean;
  /** The file is an agent's log, imported with these rules (--memories). */
  memories: string[] | undefined;
  /** --span: the LLM call of an OTLP trace to import. */
  span: string | undefined;
}

function oneOf<T extends string>(flag: string, choices: readonly T[], value: string | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new InputError(`--${flag}: expected one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/** --tokenizer and --template, shared by `score` and `convert`. */
export async function parseTokenizing(
  values: { tokenizer?: string | undefined; template?: string | undefined },
  urls: readonly string[],
): Promise<{ tokenizer: TokenizerChoice; template: TextTemplate | undefined; modelTemplate: ModelTemplate | undefined }> {
  const modelTemplate = await parseModelTemplate(values.template);
  if (modelTemplate !== undefined) {
    // The model's template is rendered (or its text tokenized) by the server.
    if (urls.length === 0) throw new InputError(`--template ${values.template!} needs --url (the server whose /tokenize reads the model's tokens)`);
    if (values.tokenizer !== undefined && values.tokenizer !== 'server') throw new InputError(`--template ${values.template!} goes with the server's tokenizer, not --tokenizer ${values.tokenizer}`);
    return { tokenizer: 'server', template: undefined, modelTemplate };
  }
  const tokenizer = oneOf('tokenizer', TOKENIZERS, values.tokenizer, 'builtin');
  if (tokenizer === 'server' && urls.length === 0) throw new InputError('--tokenizer server needs --url (the server that tokenizes)');
  if (tokenizer !== 'server' && values.template !== undefined) throw new InputError('--template goes with --tokenizer server (the built-in tokenizer has its own template)');
  return { tokenizer, template: tokenizer === 'server' ? await loadTextTemplate(values.template ?? DEFAULT_SERVER_TEMPLATE) : undefined, modelTemplate: undefined };
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new InputError(`--${flag}: expected a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${value}"`);
  return Number(value);
}

/** --threshold: nats, more than 0 (a group that moved nothing by 0 would still be split). */
function parseThreshold(value: string | undefined): number {
  if (value === undefined) return DEFAULT_THRESHOLD;
  const threshold = /^\d+(\.\d+)?$|^\.\d+$/.test(value) ? Number(value) : NaN;
  if (!(threshold > 0 && Number.isFinite(threshold))) throw new InputError(`--threshold: expected a number of nats more than 0, like 1 or 0.5, got "${value}"`);
  return threshold;
}

/** --margin: a fraction of T in [0, 1); 0 trusts that removing more never raises a logprob. */
function parseMargin(value: string | undefined): number {
  if (value === undefined) return 1 - SPLIT_FRACTION;
  const margin = /^\d+(\.\d+)?$|^\.\d+$/.test(value) ? Number(value) : NaN;
  if (!(margin >= 0 && margin < 1)) throw new InputError(`--margin: expected a fraction of T from 0 up to (not including) 1, like 0.5, got "${value}"`);
  return margin;
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** "90", "90s", "15m", "6h", "2d" → seconds. */
export function parseDuration(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value);
  if (!match) throw new InputError(`--${flag}: expected a duration like 90, 90s, 15m, 6h or 2d, got "${value}"`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`--url: not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InputError(`--url: expected http:// or https://, got "${url}"`);
  if (parsed.username || parsed.password) throw new InputError('--url: put credentials in MEMSCOPE_API_KEY, not in the URL');
  return url.replace(/\/+$/, '');
}

export async function readApiKey(envName: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InputError(`--api-key-file: ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const key = text.trim();
    if (!key) throw new InputError(`--api-key-file: ${file}: the file is empty`);
    return key;
  }
  if (envName !== undefined) {
    const key = env[envName];
    if (key === undefined || key === '') throw new InputError(`--api-key-env: environment variable ${envName} is not set`);
    return key;
  }
  return env[DEFAULT_API_KEY_ENV] || undefined;
}

export async function parseScoreSettings(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ScoreSettings> {
  const { values, positionals } = parseFlags({ args, options: { ...scoreOptionSpec, ...COMMON_FLAGS }, allowPositionals: true, strict: true }, valueHints(scoreOptionSpec));
  if (positionals.length === 0) throw new InputError('score: name a context file');
  // Words after --memories RULE are more rules; without it, one file only.
  const memories = values.memories === undefined ? undefined : memoryRules(values.memories, positionals.slice(1));
  if (memories === undefined && positionals.length !== 1) throw new InputError(`score: one context file, got ${positionals.length}`);
  if (memories === undefined && values.span !== undefined) throw new InputError('--span goes with --memories (an OTLP trace imported on the fly)');
  const mode = values.mode as Mode;
  if (!MODES.includes(mode)) throw new InputError(`--mode: expected one of ${MODES.join(', ')}, got "${values.mode}"`);
  if (mode === 'single' && values.key === undefined) throw new InputError('--mode single needs --key K');
  if (mode !== 'single' && values.key !== undefined) throw new InputError('--key goes with --mode single');
  if (mode !== 'finetune' && values.count !== undefined) throw new InputError('--count goes with --mode finetune');
  if (mode !== 'full' && values.estimate !== undefined) throw new InputError('--estimate goes with --mode full');
  if (values.estimate === undefined && values.seed !== undefined) throw new InputError('--seed goes with --estimate');
  if (values.search && mode !== 'full') throw new InputError('--search goes with --mode full');
  if (values.search && values.estimate !== undefined) throw new InputError('--search and --estimate are two ways to score the full matrix: give one');
  if (!values.search && values.threshold !== undefined) throw new InputError('--threshold goes with --search');
  if (values.force && values.record === undefined) throw new InputError('--force goes with --record (it overwrites an existing recording)');
  if (values.write !== undefined) checkOutputFolder('--write', values.write);
  if (!values.search && values.margin !== undefined) throw new InputError('--margin goes with --search');
  const margin = parseMargin(values.margin);
  const search = values.search ? parseThreshold(values.threshold) : undefined;
  const alpha = values.alpha === undefined ? DEFAULT_ALPHA : Number(values.alpha);
  if (!(alpha > 0 && alpha <= 1)) throw new InputError(`--alpha: expected a number in (0, 1], got "${values.alpha}"`);
  const backend = oneOf('backend', BACKEND_NAMES, values.backend, DEFAULT_BACKEND);
  const named = BACKENDS[backend];
  for (const flag of BACKEND_FLAGS) {
    if (values[flag] !== undefined && !named.flags.includes(flag)) throw new InputError(`--${flag} goes with --backend ${backendsTaking(flag)}`);
  }
  const logprobsField = oneOf('logprobs-field', LOGPROBS_FIELDS, values['logprobs-field'], 'prompt_logprobs');
  let priority = named.defaultPriority;
  if (values.priority === 'none') priority = undefined;
  else if (values.priority !== undefined) {
    if (!/^-?\d+$/.test(values.priority)) throw new InputError(`--priority: expected a whole number or "none", got "${values.priority}"`);
    priority = Number(values.priority);
  }
  const urls = (values.url ?? []).map(checkUrl);
  if (urls.length === 0 && named.needsUrl !== undefined) throw new InputError(`--backend ${backend} needs --url (${named.needsUrl})`);
  const { tokenizer, template, modelTemplate } = await parseTokenizing(values, urls);
  const twice = urls.find((url, i) => urls.indexOf(url) !== i);
  if (twice !== undefined) throw new InputError(`--url: ${twice} is given twice`);
  const timeoutSeconds = parseDuration('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS);
  if (timeoutSeconds <= 0) throw new InputError('--timeout: must be more than 0');
  return {
    file: positionals[0]!,
    urls,
    model: values.model,
    mode,
    key: values.key,
    count: wholeNumber('count', values.count, DEFAULT_FINETUNE_COUNT, 1),
    json: values.json,
    headless: values.headless,
    apiKey: await readApiKey(values['api-key-env'], values['api-key-file'], env),
    timeoutMs: timeoutSeconds * 1000,
    concurrency: wholeNumber('concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1),
    priority,
    storePath: values.store ?? defaultStorePath(env),
    maxAgeSeconds: parseDuration('max-age', values['max-age'], DEFAULT_MAX_AGE_SECONDS),
    window: wholeNumber('window', values.window, RESPONSE_WINDOW, 1),
    alpha,
    latencyMs: wholeNumber('latency', values.latency, 0),
    retries: wholeNumber('retries', values.retries, DEFAULT_RETRIES),
    retryDelayMs: wholeNumber('retry-delay', values['retry-delay'], BACKOFF_BASE_MS),
    record: values.record,
    force: values.force,
    write: values.write,
    backend,
    logprobsField,
    maxModelLen: values['max-model-len'] === undefined ? undefined : wholeNumber('max-model-len', values['max-model-len'], 0, 2),
    tokenizer,
    template,
    modelTemplate,
    noise: wholeNumber('noise', values.noise, backendRun({ backend, urls }).noise),
    estimate: values.estimate === undefined ? undefined : wholeNumber('estimate', values.estimate, 0, 1),
    seed: wholeNumber('seed', values.seed, DEFAULT_SEED),
    search,
    margin,
    debug: values.debug,
    memories,
    span: values.span,
  };
}
