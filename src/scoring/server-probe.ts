// What a scoring server says about itself before the first scoring call: its context limit and
// whether it is a server that cannot score at all (llama.cpp). Each server offers the limit in its
// own place; every probe is optional, and a server that answers none of them is scored without a
// limit known (a length refusal then still reads plainly, see lengthRefusal in http-client.ts).
//
//   vLLM     GET {url}/models -> data[i].max_model_len; POST {root}/tokenize -> max_model_len
//   SGLang   POST {root}/tokenize -> max_model_len; GET {root}/get_model_info or /model_info ->
//            context_length / max_context_length (by release)
//   llama.cpp GET {root}/props -> {default_generation_settings, total_slots, ...}; its
//            /v1/models cards say owned_by "llamacpp"
import { routeUrl, serverRoot } from './server-url.ts';

/** How one kind of server is asked for its limit, and how a prompt too long for it is worded. */
export interface ServerProbe {
  /** Where its OpenAI-style routes (/models) are, from the --url. */
  readonly v1: (url: string) => string;
  /** Routes of its own, at its root, that may say the limit when /models and /tokenize do not. */
  readonly infoRoutes: readonly string[];
  /** Why a prompt must be shorter than the limit, for tooLongMessage. */
  readonly room: string;
}

/** vLLM: the --url is its /v1. */
export const VLLM_PROBE: ServerProbe = { v1: (url) => routeUrl(url, ''), infoRoutes: [], room: 'less 1 for the generated token' };

/** SGLang: the --url is its root; the info route is named by release. */
export const SGLANG_PROBE: ServerProbe = {
  v1: (url) => `${serverRoot(url)}/v1`,
  infoRoutes: ['/get_model_info', '/model_info', '/get_server_info', '/server_info'],
  room: 'SGLang takes prompts shorter than it',
};

export interface ServerFacts {
  /** The most tokens a request may hold (prompt and generated together), when the server says. */
  readonly maxModelLen?: number;
  /** Where that came from, for messages: "GET /v1/models". */
  readonly limitSource?: string;
  /** The server is llama.cpp's: it cannot return logprobs of prompt tokens. */
  readonly llamaCpp?: string;
}

export interface ProbeOptions {
  readonly model: string | null;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The JSON of a 2xx answer, or undefined for anything else (no such route, not JSON, no answer). */
async function fetchJson(url: string, options: ProbeOptions, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  // A few small questions: a server that does not answer them soon is scored without them.
  const timeout = AbortSignal.timeout(Math.min(options.timeoutMs, 10_000));
  try {
    // Node's own fetch: a few small requests before the scoring client's pool exists.
    const answer = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    const text = await answer.text();
    if (answer.status < 200 || answer.status >= 300) return undefined;
    return JSON.parse(text) as unknown;
  } catch {
    if (options.signal?.aborted) throw options.signal.reason;
    return undefined;
  }
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function field(value: unknown, names: readonly string[]): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const name of names) {
    const found = positiveInt((value as Record<string, unknown>)[name]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** llama.cpp's /props: its generation settings and slots (neither vLLM nor SGLang has the route). */
function isLlamaCppProps(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const props = value as Record<string, unknown>;
  return typeof props.default_generation_settings === 'object' || typeof props.total_slots === 'number';
}

/** The card of the model asked for (or the only one) in a GET /v1/models answer. */
function modelCard(value: unknown, model: string | null): Record<string, unknown> | undefined {
  const data = (value as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const cards = data.filter((card): card is Record<string, unknown> => typeof card === 'object' && card !== null);
  return cards.find((card) => card.id === model) ?? (cards.length === 1 || model === null ? cards[0] : undefined);
}

export async function probeServer(probe: ServerProbe, url: string, options: ProbeOptions): Promise<ServerFacts> {
  const root = serverRoot(url);
  const v1 = probe.v1(url);
  const props = await fetchJson(`${root}/props`, options);
  if (isLlamaCppProps(props)) return { llamaCpp: 'GET /props' };
  const models = await fetchJson(`${v1}/models`, options);
  const card = modelCard(models, options.model);
  if (card?.owned_by === 'llamacpp') return { llamaCpp: 'GET /v1/models' };
  const fromModels = field(card, ['max_model_len', 'context_length']);
  if (fromModels !== undefined) return { maxModelLen: fromModels, limitSource: `GET ${new URL(`${v1}/models`).pathname}` };
  const tokenized = await fetchJson(`${root}/tokenize`, options, { prompt: 'a', add_special_tokens: false, ...(options.model !== null ? { model: options.model } : {}) });
  const fromTokenize = field(tokenized, ['max_model_len']);
  if (fromTokenize !== undefined) return { maxModelLen: fromTokenize, limitSource: 'POST /tokenize' };
  for (const path of probe.infoRoutes) {
    const found = field(await fetchJson(`${root}${path}`, options), ['context_length', 'max_context_length', 'max_model_len']);
    if (found !== undefined) return { maxModelLen: found, limitSource: `GET ${path}` };
  }
  return {};
}

/** Room a prompt must leave: vLLM counts the one generated token (max_tokens 1); SGLang wants the prompt shorter than its limit. */
export const GENERATION_ROOM = 1;

/** The one line for a run whose longest prompt cannot fit, naming both numbers and what to do. */
export function tooLongMessage(longest: number, limit: number, source: string, probe: ServerProbe): string {
  return (
    `the longest prompt of this run is ${longest} tokens, and the server takes at most ${limit - GENERATION_ROOM} ` +
    `(max_model_len ${limit}, ${source}, ${probe.room}); no call was made. ` +
    'Score a window instead (--mode single --key K), shorten the context, or start the server with a larger --max-model-len'
  );
}

export const LLAMA_CPP_REFUSAL =
  "this is llama.cpp's server, which cannot return the logprobs of prompt tokens (its logprobs cover generated tokens only); memscope needs them: use vLLM (--backend completions) or SGLang (--backend sglang)";
