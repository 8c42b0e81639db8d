// Every scoring backend in one table: how its scorer is made, whether it needs a --url, its
// default priority, the flags only it takes, how its server is probed before a run and what a
// session header records of it. Settings, the scorer factory, the probe and the session header
// read this table; nothing else names a backend. Adding one: an entry here, its client in
// src/scoring/, a ServerProbe in server-probe.ts when it has a limit to ask for, and a test.
import { BuiltinScorer } from '../builtin/builtin-scorer.ts';
import type { LogprobsField } from '../scoring/completions-answer.ts';
import { CompletionsScorer } from '../scoring/completions-client.ts';
import type { HttpClientOptions } from '../scoring/http-client.ts';
import { PrefixLogprobs } from '../scoring/prefix-logprobs.ts';
import { ReplicaPool } from '../scoring/replica-pool.ts';
import { RetryingScorer } from '../scoring/retrying-scorer.ts';
import { HttpScorer } from '../scoring/score-client.ts';
import type { Scorer } from '../scoring/scorer.ts';
import { SGLANG_PROBE, VLLM_PROBE, type ServerProbe } from '../scoring/server-probe.ts';
import { SglangScorer } from '../scoring/sglang-client.ts';
import { DEFAULT_PRIORITY } from '../engine/engine.ts';

/** Flags that only some backends take; any other backend refuses them. */
export const BACKEND_FLAGS = ['logprobs-field', 'max-model-len'] as const;
export type BackendFlag = (typeof BACKEND_FLAGS)[number];

/** The settings a backend is made from (a part of ScoreSettings). */
export interface BackendSettings {
  readonly urls: readonly string[];
  readonly latencyMs: number;
  readonly logprobsField: LogprobsField;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly retries: number;
  readonly retryDelayMs: number;
}

/** A value a session header may hold. */
type Recorded = string | number | boolean | null;

/** What a run does with its backend: make the scorer, probe the servers, record the settings. */
export interface BackendRun {
  /** How its servers are asked for their context limit before the run; undefined: not asked. */
  readonly probe?: ServerProbe;
  /** The settings a session header records of it, besides the backend's name. */
  readonly recorded?: (settings: BackendSettings) => Record<string, Recorded>;
  /** The run's scorer. */
  readonly create: (settings: BackendSettings, model: string | null) => Scorer;
  /** --noise's default: repeats of the baseline for the noise floor; 1 where servers batch calls
   *  (their logprobs move with the batch), 0 for /score (the reference's calls one for one) and the
   *  built-in scorer (deterministic). */
  readonly noise: number;
}

/** A backend --backend can name. */
export interface BackendEntry extends BackendRun {
  /** What --backend NAME means, one line of --help each. */
  readonly help: readonly string[];
  /** What the --url must point at; a backend without it runs on the built-in scorer when no --url is given. */
  readonly needsUrl?: string;
  /** The priority sent with every call unless --priority says otherwise (undefined: none). */
  readonly defaultPriority: number | undefined;
  readonly flags: readonly BackendFlag[];
}

/**
 * One client per --url (a pool of replicas when several: each call goes to the least busy one, a
 * failing one is set aside and the call tried elsewhere), with retries with backoff around it all.
 */
function replicated(settings: BackendSettings, client: (http: HttpClientOptions) => Scorer): Scorer {
  const replica = (url: string) => client({ url, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, concurrency: settings.concurrency });
  const scorer = settings.urls.length === 1 ? replica(settings.urls[0]!) : new ReplicaPool(settings.urls.map(replica));
  return new RetryingScorer(scorer, { retries: settings.retries, baseDelayMs: settings.retryDelayMs });
}

/** What --backend names, in --help's order (the first is the default). */
const TABLE = {
  score: {
    help: ["score (default): POST {url}/score, the reference's endpoint"],
    defaultPriority: DEFAULT_PRIORITY,
    noise: 0,
    flags: [],
    create: (settings, model) => replicated(settings, (http) => new HttpScorer({ ...http, model })),
  },
  completions: {
    help: ['completions: POST {url}/completions with prompt logprobs (a stock vLLM)'],
    needsUrl: "a server with vLLM's /completions",
    // vLLM and SGLang read `priority` only when started with priority scheduling (lower is served
    // first there); older vLLM releases refuse a non-zero one otherwise. None is sent unless asked.
    defaultPriority: undefined,
    noise: 1,
    flags: ['logprobs-field', 'max-model-len'],
    probe: VLLM_PROBE,
    recorded: (settings) => ({ logprobsField: settings.logprobsField }),
    create: (settings, model) => replicated(settings, (http) => new CompletionsScorer({ ...http, model, field: settings.logprobsField })),
  },
  sglang: {
    help: ["sglang: POST {url}/generate, SGLang's native route (url without /v1);", 'its prefix cache serves what prompts share'],
    needsUrl: 'an SGLang server, e.g. http://host:30000',
    defaultPriority: undefined,
    noise: 1,
    flags: ['max-model-len'],
    probe: SGLANG_PROBE,
    create: (settings) => {
      // One store of known prefix logprobs for all replicas of the model.
      const prefix = new PrefixLogprobs();
      return replicated(settings, (http) => new SglangScorer({ ...http, prefix }));
    },
  },
} satisfies Record<string, BackendEntry>;

export type BackendName = keyof typeof TABLE;
export const BACKENDS: Readonly<Record<BackendName, BackendEntry>> = TABLE;
export const BACKEND_NAMES = Object.keys(TABLE) as BackendName[];
export const DEFAULT_BACKEND: BackendName = BACKEND_NAMES[0]!;

/** The model in-process: what a backend that needs no URL runs on when no --url is given. */
export const BUILTIN: BackendRun = {
  noise: 0,
  recorded: (settings): Record<string, Recorded> => (settings.latencyMs > 0 ? { latencyMs: settings.latencyMs } : {}),
  create: (settings) => new BuiltinScorer({ latencyMs: settings.latencyMs }),
};

/** What the run uses: the backend named, or the built-in scorer when there is no --url. */
export function backendRun(settings: { readonly backend: BackendName; readonly urls: readonly string[] }): BackendRun {
  return settings.urls.length === 0 ? BUILTIN : BACKENDS[settings.backend];
}

/** The backends that take `flag`, as --help and errors name them: "completions or sglang". */
export function backendsTaking(flag: BackendFlag): string {
  return BACKEND_NAMES.filter((name) => BACKENDS[name].flags.includes(flag)).join(' or ');
}

/** What --backend's help says: the table's lines, one backend after another (the help wraps them). */
export function backendHelp(): string {
  return BACKEND_NAMES.flatMap((name) => BACKENDS[name].help).join('\n');
}

/** --priority's defaults as its help says them: "5 with score, none with completions, …". */
export function priorityDefaults(): string {
  return BACKEND_NAMES.map((name) => `${BACKENDS[name].defaultPriority ?? 'none'} with ${name}`).join(', ');
}
