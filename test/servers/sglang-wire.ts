// A server that answers as SGLang's does (shapes read from SGLang's http_server and io_struct),
// with memscope's built-in model behind it and a real prefix cache (prefix-tree.ts):
//
//   POST /generate        prefill-only logprob requests, see sglang-generate.ts
//   POST /v1/completions  the OpenAI route: "prompt_logprobs" is not a field here (dropped
//                         silently); "echo" + "logprobs" give choices[0].logprobs.token_logprobs
//                         over the prompt, then the generated token
//   POST /tokenize        {"prompt", "add_special_tokens"} -> {"tokens", "count", "max_model_len"}
//                         (SGLang's own /tokenize takes no "messages": such a request is refused)
//   GET  /v1/models       {"object": "list", "data": [{"id", ..., "max_model_len"}]}
//   GET  /get_model_info  {"model_path", "tokenizer_path", "is_generation", ...}
//   POST /flush_cache     empties the prefix cache
//   errors                {"object": "error", "message", "type", "param", "code"} (SGLang's
//                         OpenAI-style ErrorResponse); --error-shape nested: {"error": {"message"}}
//                         (its native routes); unknown routes: FastAPI's {"detail": "Not Found"}
//   NaN and ±inf are written as null.
//
// For tests: GET /_test/stats {calls, prompt_tokens, cached_tokens, computed_tokens, cache};
// POST /_test/reset (stats, log, fault and cache); POST /_test/fault {"kind", "at",
// "only_without", "only_length", "times"} (only prompts without that token id / of that
// length; kind "unavailable": 503 for the next `times` requests); GET /_test/log.
//
//   node dist/test/servers/sglang-wire.js [--port 0] [--model NAME] [--context-length N]
//        [--cache-tokens N] [--error-shape flat|nested] [--no-limit-info] [--jitter SEED]
//        [--jitter-amplitude NATS] [--exit-with-stdin]
//
// --jitter: batch-dependent noise on every logprob (batch-jitter.ts); off by default.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { BUILTIN_VOCAB_SIZE, tokenize } from '../../src/context/tokenizer.ts';
import { BatchJitter } from './batch-jitter.ts';
import { PrefixTree } from './prefix-tree.ts';
import { answerGenerate, type GenerateFault, type GenerateSettings } from './sglang-generate.ts';
import { HttpProblem, readJson, sendText, serveWire } from './wire-kit.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    model: { type: 'string', default: 'memscope-builtin' },
    'context-length': { type: 'string', default: '131072' },
    'cache-tokens': { type: 'string', default: String(1 << 22) },
    'error-shape': { type: 'string', default: 'flat' },
    'no-limit-info': { type: 'boolean', default: false },
    jitter: { type: 'string' },
    'jitter-amplitude': { type: 'string', default: '0.03' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const MODEL = values.model;
const CONTEXT_LENGTH = Number(values['context-length']);
const LIMIT_INFO = !values['no-limit-info'];
const SPECIALS: Record<string, number> = { '<|im_start|>': 1, '<|im_end|>': 2 };
const JITTER = values.jitter !== undefined ? new BatchJitter(Number(values.jitter), Number(values['jitter-amplitude'])) : undefined;
const cache = new PrefixTree(Number(values['cache-tokens']), 1);
const stats = { calls: 0, prompt_tokens: 0, cached_tokens: 0, computed_tokens: 0 };
const log: Record<string, unknown>[] = [];
let fault: (GenerateFault & { onlyWithout?: number; onlyLength?: number }) | undefined;
let unavailable = 0;
const settings: GenerateSettings = {
  prefill: (ids, readLimit) => {
    const cached = cache.match(ids, readLimit);
    cache.insert(ids, ids.length);
    return Promise.resolve(cached);
  },
  contextLength: CONTEXT_LENGTH,
  vocabSize: BUILTIN_VOCAB_SIZE,
  logprobs: (ids) => tokenLogprobs(ids, { vocab: BUILTIN_VOCAB_SIZE }),
};

/** The settings for one request: its logprobs as its batch computes them (see --jitter). */
const jittered: GenerateSettings =
  JITTER === undefined
    ? settings
    : {
        ...settings,
        logprobs: async (ids) => {
          // Its batch: its own (see --jitter).
          const batch = JITTER.enter();
          return JITTER.apply(ids, await settings.logprobs(ids), batch);
        },
      };

function sendError(res: ServerResponse, problem: HttpProblem): void {
  const body =
    values['error-shape'] === 'nested'
      ? { error: { message: problem.message } }
      : { object: 'error', message: problem.message, type: problem.type, param: null, code: problem.status };
  sendText(res, problem.status, JSON.stringify(body));
}

function tokenizeText(text: string, addSpecialTokens: boolean): number[] {
  const ids: number[] = addSpecialTokens ? [3] : [];
  for (const part of text.split(/(<\|im_start\|>|<\|im_end\|>)/)) {
    if (part === '') continue;
    const special = SPECIALS[part];
    if (special !== undefined) ids.push(special);
    else ids.push(...tokenize(part));
  }
  return ids;
}

function count(outcome: { promptTokens: number; cachedTokens: number; computedTokens: number }): void {
  stats.calls++;
  stats.prompt_tokens += outcome.promptTokens;
  stats.cached_tokens += outcome.cachedTokens;
  stats.computed_tokens += outcome.computedTokens;
}

async function generate(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const ids = Array.isArray(body.input_ids) ? (body.input_ids as number[]) : [];
  log.push({ path: '/generate', fields: Object.keys(body).sort(), logprob_start_len: body.logprob_start_len, promptLength: ids.length, priority: body.priority });
  const active = fault !== undefined && (fault.onlyWithout === undefined || !ids.includes(fault.onlyWithout)) && (fault.onlyLength === undefined || ids.length === fault.onlyLength) ? fault : undefined;
  // A server busy or restarting: 503 for the next `times` requests (the client retries).
  if (active?.kind === 'unavailable') {
    if (--unavailable <= 0) fault = undefined;
    throw new HttpProblem(503, 'The server is not ready', 'ServiceUnavailableError');
  }
  const outcome = await answerGenerate(body, jittered, active);
  if (outcome.error !== undefined) throw new HttpProblem(outcome.status, outcome.error.message, outcome.error.type);
  count(outcome);
  sendText(res, outcome.status, outcome.body);
}

/** The OpenAI route: echo + logprobs is the one way to prompt logprobs here; prompt_logprobs is dropped. */
async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const prompt = body.prompt;
  if (!Array.isArray(prompt) || prompt.length === 0 || !prompt.every((id) => Number.isInteger(id) && id >= 0 && id < BUILTIN_VOCAB_SIZE)) {
    throw new HttpProblem(400, 'prompt must be a non-empty list of token ids');
  }
  log.push({ path: '/v1/completions', fields: Object.keys(body).sort(), promptLength: prompt.length });
  const ids = Uint32Array.from(prompt as number[]);
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
  if (ids.length + maxTokens > CONTEXT_LENGTH) {
    throw new HttpProblem(400, `Requested token count exceeds the model's maximum context length of ${CONTEXT_LENGTH} tokens. You requested a total of ${ids.length + maxTokens} tokens: ${ids.length} tokens from the input messages and ${maxTokens} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`);
  }
  const echo = body.echo === true && typeof body.logprobs === 'number';
  const cached = cache.match(ids, echo ? 0 : ids.length - 1);
  cache.insert(ids, ids.length);
  count({ promptTokens: ids.length, cachedTokens: cached, computedTokens: ids.length - cached });
  const logprobs = await jittered.logprobs(ids);
  const generated = { id: 16, logprob: -0.75 };
  const tokenLogprobsText = echo ? `[null,${Array.from(ids.subarray(1), (_, k) => (Number.isFinite(logprobs[k + 1]!) ? String(logprobs[k + 1]) : 'null')).join(',')},${generated.logprob}]` : 'null';
  const logprobsField = echo ? `{"text_offset":null,"token_logprobs":${tokenLogprobsText},"tokens":null,"top_logprobs":null}` : 'null';
  const choice = `{"index":0,"text":"<16>","logprobs":${logprobsField},"finish_reason":"length","matched_stop":null}`;
  sendText(res, 200, `{"id":"cmpl","object":"text_completion","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(MODEL)},"choices":[${choice}],"usage":{"prompt_tokens":${ids.length},"total_tokens":${ids.length + 1},"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":${cached}}}}`);
}

async function tokenizeRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (typeof body.prompt !== 'string') throw new HttpProblem(400, 'prompt must be a string');
  log.push({ path: '/tokenize', fields: Object.keys(body).sort(), prompt: body.prompt });
  const tokens = tokenizeText(body.prompt, body.add_special_tokens !== false);
  sendText(res, 200, JSON.stringify({ tokens, count: tokens.length, ...(LIMIT_INFO ? { max_model_len: CONTEXT_LENGTH } : {}) }));
}

function models(res: ServerResponse): void {
  const card = { id: MODEL, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'sglang', root: MODEL, parent: null, ...(LIMIT_INFO ? { max_model_len: CONTEXT_LENGTH } : {}) };
  sendText(res, 200, JSON.stringify({ object: 'list', data: [card] }));
}

function modelInfo(res: ServerResponse): void {
  sendText(res, 200, JSON.stringify({ model_path: MODEL, tokenizer_path: MODEL, is_generation: true, preferred_sampling_params: null, weight_version: 'default', has_image_understanding: false, has_audio_understanding: false, model_type: 'memscope', architectures: ['BuiltinNgram'] }));
}

async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/_test/log') return sendText(res, 200, JSON.stringify(log));
  if (path === '/_test/stats') return sendText(res, 200, JSON.stringify({ ...stats, cache: { size: cache.tokens, capacity: cache.capacity } }));
  if (path === '/_test/reset') {
    log.length = 0;
    fault = undefined;
    cache.clear();
    Object.assign(stats, { calls: 0, prompt_tokens: 0, cached_tokens: 0, computed_tokens: 0 });
    return sendText(res, 200, '{}');
  }
  const body = await readJson(req);
  unavailable = typeof body.times === 'number' ? body.times : 1;
  fault = body.kind === null || body.kind === undefined ? undefined : { kind: body.kind as GenerateFault['kind'], at: Number(body.at), ...(typeof body.only_without === 'number' ? { onlyWithout: body.only_without } : {}), ...(typeof body.only_length === 'number' ? { onlyLength: body.only_length } : {}) };
  sendText(res, 200, '{}');
}

serveWire(
  Number(values.port),
  (port) => `sglang-wire server (${MODEL}) on http://127.0.0.1:${port}`,
  async (req, res, path) => {
    if (path.startsWith('/_test/')) return control(req, res, path);
    if (req.method === 'POST' && path === '/generate') return generate(req, res);
    if (req.method === 'POST' && path === '/v1/completions') return completions(req, res);
    if (req.method === 'POST' && path === '/tokenize') return tokenizeRoute(req, res);
    if (req.method === 'GET' && path === '/v1/models') return models(res);
    if (req.method === 'GET' && (path === '/get_model_info' || path === '/model_info')) return modelInfo(res);
    if (path === '/flush_cache') {
      cache.clear();
      return sendText(res, 200, 'Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n', 'text/plain');
    }
    sendText(res, 404, '{"detail":"Not Found"}');
  },
  sendError,
  Boolean(values['exit-with-stdin']),
);
