// A server that answers as vLLM's OpenAI-compatible server does (shapes read from vLLM's
// protocol and serving code), with memscope's built-in model behind it:
//
//   POST /v1/completions  {"model", "prompt": [ids], "max_tokens", "prompt_logprobs": k}
//                         -> choices[0].prompt_logprobs: [null, {"<id>": {"logprob", "rank",
//                            "decoded_token"}, ...}, ...]: the prompt token's own entry FIRST,
//                            with its true vocabulary rank, then the top k (k or k+1 entries)
//                         {"echo": true, "logprobs": k} -> choices[0].logprobs.token_logprobs:
//                            [null, ...prompt tokens..., generated token]
//                         −inf is written as -9999.0; a NaN anywhere makes the answer HTTP 500
//                         (Starlette's plain "Internal Server Error": the JSON encoder refuses it)
//                         a prompt that leaves no room for max_tokens in max_model_len: 400
//   GET  /v1/models       {"object": "list", "data": [{"id", ..., "max_model_len"}]}
//   POST /tokenize        {"model", "prompt": "text", "add_special_tokens"} -> {"count",
//                            "max_model_len", "tokens"}; special tokens in the text are single
//                            ids; add_special_tokens (the default) puts a BOS first
//   errors                {"error": {"message", "type", "param", "code"}} (today's vLLM);
//                         --error-shape flat: {"object": "error", "message", "type", "param",
//                         "code"} (older releases); --error-shape fastapi: a bad body is a 422
//                         {"detail": [{"type", "loc", "msg", "input"}]}; an unknown route is
//                         always FastAPI's 404 {"detail": "Not Found"}
//   priority              accepted whatever its value (the engine ignores it unless started with
//                         priority scheduling), logged
//
// vLLM does not read its prefix cache for a request that asks for prompt logprobs: every prompt
// token is computed; GET /_test/stats counts them.
//
// At two positions in three the prompt token is NOT the model's top choice: better candidates
// follow it in the item, with smaller ids and better ranks, so a client that reads the smallest
// id or the best rank reads the wrong logprob.
//
// For tests: POST /_test/fault {"fault", "only_without", "at"} makes answers malformed (only for
// prompts that lack the token id `only_without`, when given; at prompt position `at`, else at the
// last end-of-turn token); GET /_test/log lists the requests seen.
//
//   node dist/test/servers/vllm-wire.js [--port 0] [--model NAME] [--candidates N]
//        [--specials chatml|llama3|both] [--max-model-len N] [--error-shape nested|flat|fastapi]
//        [--tokenizer wordpiece|sentencepiece|sentencepiece-merging|bpe] [--no-models-route]
//        [--priority-scheduling] [--exit-with-stdin]
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { BUILTIN_VOCAB_SIZE, pieceId, tokenize } from '../../src/context/tokenizer.ts';
import { HttpProblem, readJson, sendText, serveWire } from './wire-kit.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    model: { type: 'string', default: 'memscope-builtin' },
    candidates: { type: 'string' },
    specials: { type: 'string', default: 'both' },
    'max-model-len': { type: 'string', default: '131072' },
    'error-shape': { type: 'string', default: 'nested' },
    tokenizer: { type: 'string', default: 'wordpiece' },
    'no-models-route': { type: 'boolean', default: false },
    'priority-scheduling': { type: 'boolean', default: false },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const SERVED_MODEL = values.model;
const MAX_MODEL_LEN = Number(values['max-model-len']);
const ERROR_SHAPE = values['error-shape'] as 'nested' | 'flat' | 'fastapi';
const CHATML = { '<|im_start|>': 1, '<|im_end|>': 2 };
const LLAMA3 = { '<|begin_of_text|>': 3, '<|start_header_id|>': 4, '<|end_header_id|>': 5, '<|eot_id|>': 6 };
const SPECIALS: Record<string, number> = {
  ...(values.specials !== 'llama3' ? CHATML : {}),
  ...(values.specials !== 'chatml' ? LLAMA3 : {}),
};
const BOS = 3;
/** <|im_end|> and <|eot_id|>. */
const END_OF_TURN = new Set([2, 6]);
const GENERATED = { id: 16, logprob: -0.75 };
/** What vLLM writes for −inf (its logprobs are clamped to this before serialisation). */
const CLAMPED = '-9999.0';

type Fault =
  | 'short'
  | 'long'
  | 'missing'
  | 'null-item'
  | 'nan'
  | 'neg-inf'
  | 'null-logprob'
  | 'positive'
  | 'no-prompt-logprobs'
  | 'no-choices'
  | 'http-500'
  | 'not-json';
let fault: { fault: Fault; onlyWithout?: number; at?: number } | undefined;
const log: Record<string, unknown>[] = [];
const stats = { calls: 0, prompt_tokens: 0, computed_tokens: 0, cached_tokens: 0 };

/** vLLM's ErrorResponse, nested today, flat in older releases; FastAPI's own for bad bodies. */
function sendError(res: ServerResponse, problem: HttpProblem): void {
  if (ERROR_SHAPE === 'fastapi' && problem.field !== undefined) {
    const detail = [{ type: 'value_error', loc: ['body', problem.field], msg: problem.message, input: null }];
    return sendText(res, 422, JSON.stringify({ detail }));
  }
  const error = { message: problem.message, type: problem.type, param: null, code: problem.status };
  sendText(res, problem.status, JSON.stringify(ERROR_SHAPE === 'flat' ? { object: 'error', ...error } : { error }));
}

function checkModel(body: Record<string, unknown>): void {
  if (body.model !== undefined && body.model !== null && body.model !== SERVED_MODEL) {
    throw new HttpProblem(404, `The model \`${typeof body.model === 'string' ? body.model : JSON.stringify(body.model)}\` does not exist.`, 'NotFoundError');
  }
}

function optionalInt(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value)) throw new HttpProblem(400, `${field} must be a whole number`, 'BadRequestError', field);
  return value as number;
}

/**
 * Special tokens are matched first, then the text between them goes through the word-piece
 * tokenizer. --tokenizer sentencepiece: like SentencePiece's dummy prefix, the first word of
 * every call's text (when the text does not begin with a special token) gets another id, its
 * "▁word" form; sentencepiece-merging: a newline at the start of a call also merges with the
 * word after it into one id (so no prefix can be split off again); bpe: punctuation and the line
 * breaks right after it are one id, as in GPT-style byte-level BPE (">\n", ".\n\n").
 */
function tokenizeText(text: string, addSpecialTokens: boolean): number[] {
  const names = Object.keys(SPECIALS).map((s) => s.replace(/[|[\]\\^$.*+?(){}]/g, '\\$&'));
  const ids: number[] = addSpecialTokens ? [BOS] : [];
  const parts = names.length > 0 ? text.split(new RegExp(`(${names.join('|')})`)) : [text];
  let atStart = true;
  for (const part of parts) {
    if (part === '') continue;
    const special = SPECIALS[part];
    if (special !== undefined) ids.push(special);
    else {
      const words = values.tokenizer === 'bpe' ? bpeTokenize(part) : tokenize(part);
      if (atStart && values.tokenizer.startsWith('sentencepiece') && words.length > 0) {
        words[0] = wordStart(words[0]!);
        if (values.tokenizer === 'sentencepiece-merging' && part.startsWith('\n') && words.length > 1) words.splice(0, 2, (words[0] * 31 + words[1]!) % BUILTIN_VOCAB_SIZE);
      }
      ids.push(...words);
    }
    atStart = false;
  }
  return ids;
}

/** The word-piece ids, but a run of punctuation with the line breaks after it is one piece. */
function bpeTokenize(text: string): number[] {
  return [...text.matchAll(/[^\s\p{L}\p{N}_]+[\r\n]*|[ ]?[\p{L}\p{N}_]+|\s+/gu)].map((m) => pieceId(m[0]));
}

/** The "▁word" id of a word: another id of the vocabulary. */
function wordStart(id: number): number {
  return (id + 7919) % BUILTIN_VOCAB_SIZE;
}

function decoded(id: number): string {
  return `<${id}>`;
}

/**
 * The prompt token's true vocabulary rank at position i, and the top k candidates of that
 * position: where the token is not the top choice (two positions in three), better candidates
 * with smaller ids come first, some positions ranking the token well outside the top k.
 */
function candidatesAt(i: number, id: number, logprob: number, k: number): { rank: number; top: { id: number; logprob: number; rank: number }[] } {
  const better = i % 3 === 0 ? 0 : i % 3 === 1 ? 1 + (i % 4) : k + 2 + (i % 50);
  const top: { id: number; logprob: number; rank: number }[] = [];
  for (let r = 1; r <= k; r++) {
    if (r === better + 1) {
      top.push({ id, logprob, rank: r });
      continue;
    }
    // Ranked before the token: likelier; after it: less likely. Ids distinct from the token's.
    const offset = r <= better ? r : r + 1;
    const other = (id - offset + BUILTIN_VOCAB_SIZE) % BUILTIN_VOCAB_SIZE;
    top.push({ id: other === id ? (id + 1) % BUILTIN_VOCAB_SIZE : other, logprob: r <= better ? (logprob * r) / (better + 1) : logprob * (1 + r), rank: r });
  }
  return { rank: better + 1, top };
}

function entry(id: number, logprob: string, rank: number): string {
  return `"${id}":{"logprob":${logprob},"rank":${rank},"decoded_token":${JSON.stringify(decoded(id))}}`;
}

/** Where a fault goes: the last end-of-turn token (inside the last response's span), else the end. */
function faultPosition(prompt: number[]): number {
  for (let i = prompt.length - 1; i > 0; i--) if (END_OF_TURN.has(prompt[i]!)) return i;
  return prompt.length - 1;
}

function logprobText(value: number, at: boolean, active: Fault | undefined): string {
  if (!at) return String(value);
  if (active === 'neg-inf') return CLAMPED;
  if (active === 'null-logprob') return 'null';
  if (active === 'positive') return '0.5';
  return String(value);
}

/** The prompt_logprobs list, written by hand so that the order of entries in an item is vLLM's. */
function promptLogprobsJson(prompt: number[], logprobs: Float64Array, k: number, active: Fault | undefined, at: number): string {
  const items: string[] = ['null'];
  const candidates = Number(values.candidates ?? k);
  for (let i = 1; i < prompt.length; i++) {
    const id = prompt[i]!;
    const here = i === at;
    if (here && active === 'null-item') {
      items.push('null');
      continue;
    }
    const { rank, top } = candidatesAt(i, id, logprobs[i]!, candidates);
    const parts: string[] = [];
    // The prompt token first, with its rank; then the top k (a dict: the token is not repeated).
    if (!(here && active === 'missing')) parts.push(entry(id, logprobText(logprobs[i]!, here, active), rank));
    for (const c of top) if (c.id !== id) parts.push(entry(c.id, String(c.logprob), c.rank));
    items.push(`{${parts.join(',')}}`);
  }
  if (active === 'short') items.pop();
  if (active === 'long') items.push('null');
  return `[${items.join(',')}]`;
}

function echoLogprobsJson(prompt: number[], logprobs: Float64Array, active: Fault | undefined, at: number): string {
  const values_: string[] = ['null'];
  for (let i = 1; i < prompt.length; i++) {
    if (i === at && active === 'null-item') values_.push('null');
    else values_.push(logprobText(logprobs[i]!, i === at, active));
  }
  values_.push(String(GENERATED.logprob));
  if (active === 'short') values_.splice(values_.length - 2, 1);
  if (active === 'long') values_.push('-1');
  const all = [...prompt, GENERATED.id];
  const tokens = all.map(decoded);
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tokens) {
    offsets.push(offset);
    offset += t.length;
  }
  const top = all.map((id, i) => (i === 0 ? 'null' : `{${JSON.stringify(decoded(id))}:${values_[i] ?? 'null'}}`));
  return `{"text_offset":${JSON.stringify(offsets)},"token_logprobs":[${values_.join(',')}],"tokens":${JSON.stringify(tokens)},"top_logprobs":[${top.join(',')}]}`;
}

/** vLLM's two refusals of a request that does not fit in max_model_len. */
function checkLength(promptTokens: number, maxTokens: number): void {
  if (promptTokens >= MAX_MODEL_LEN) {
    throw new HttpProblem(
      400,
      `This model's maximum context length is ${MAX_MODEL_LEN} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
    );
  }
  if (promptTokens + maxTokens > MAX_MODEL_LEN) {
    throw new HttpProblem(
      400,
      `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${MAX_MODEL_LEN} tokens and your request has ${promptTokens} input tokens (${maxTokens} > ${MAX_MODEL_LEN} - ${promptTokens}).`,
    );
  }
}

async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  checkModel(body);
  const prompt = body.prompt;
  if (!Array.isArray(prompt) || prompt.length === 0 || !prompt.every((id) => Number.isInteger(id) && id >= 0)) {
    throw new HttpProblem(400, 'this server takes the prompt as a non-empty list of token ids', 'BadRequestError', 'prompt');
  }
  for (const id of prompt as number[]) if (id >= BUILTIN_VOCAB_SIZE) throw new HttpProblem(400, `Token id ${id} is out of vocabulary`);
  const priority = optionalInt(body, 'priority') ?? 0;
  const promptLogprobs = optionalInt(body, 'prompt_logprobs');
  const logprobsK = optionalInt(body, 'logprobs');
  const echo = body.echo === true;
  const maxTokens = optionalInt(body, 'max_tokens') ?? 16;
  if (maxTokens < 0 || (maxTokens === 0 && !echo)) throw new HttpProblem(400, `max_tokens must be at least 1, got ${maxTokens}.`, 'BadRequestError', 'max_tokens');
  checkLength(prompt.length, maxTokens);
  log.push({ path: '/v1/completions', fields: Object.keys(body).sort(), priority: body.priority, promptLength: prompt.length, scheduled: values['priority-scheduling'] ? priority : 0 });

  const ids = prompt as number[];
  const active = fault !== undefined && (fault.onlyWithout === undefined || !ids.includes(fault.onlyWithout)) ? fault.fault : undefined;
  if (active === 'http-500') throw new HttpProblem(500, 'the engine fell over', 'InternalServerError');
  if (active === 'not-json') return sendText(res, 200, '<html>upstream proxy error</html>', 'text/html');
  // Python's JSON encoder refuses NaN (allow_nan=False): Starlette answers its bare 500.
  if (active === 'nan') return sendText(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8');

  // No prefix cache for a prompt-logprobs request: every token is computed.
  stats.calls++;
  stats.prompt_tokens += ids.length;
  stats.computed_tokens += ids.length;
  const logprobs = await tokenLogprobs(Uint32Array.from(ids), { vocab: BUILTIN_VOCAB_SIZE });
  const at = fault?.at ?? faultPosition(ids);
  // With echo, prompt logprobs are on too (as many as `logprobs`).
  const promptField = promptLogprobs !== undefined && active !== 'no-prompt-logprobs' ? promptLogprobsJson(ids, logprobs, promptLogprobs, active, at) : 'null';
  const logprobsField = echo && logprobsK !== undefined && active !== 'no-prompt-logprobs' ? echoLogprobsJson(ids, logprobs, active, at) : 'null';
  const text = echo ? [...ids, GENERATED.id].map(decoded).join('') : decoded(GENERATED.id);
  const choice = `{"index":0,"text":${JSON.stringify(text)},"logprobs":${logprobsField},"finish_reason":"length","stop_reason":null,"prompt_logprobs":${promptField}}`;
  const usage = `{"prompt_tokens":${ids.length},"total_tokens":${ids.length + 1},"completion_tokens":1,"prompt_tokens_details":null}`;
  const choices = active === 'no-choices' ? '[]' : `[${choice}]`;
  sendText(
    res,
    200,
    `{"id":"cmpl-test","object":"text_completion","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(SERVED_MODEL)},"choices":${choices},"usage":${usage}}`,
  );
}

async function tokenizeRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  checkModel(body);
  if (typeof body.prompt !== 'string') throw new HttpProblem(400, 'prompt must be a string', 'BadRequestError', 'prompt');
  const add = body.add_special_tokens === undefined ? true : body.add_special_tokens === true;
  log.push({ path: '/tokenize', fields: Object.keys(body).sort(), add_special_tokens: body.add_special_tokens, prompt: body.prompt });
  const tokens = tokenizeText(body.prompt, add);
  sendText(res, 200, JSON.stringify({ count: tokens.length, max_model_len: MAX_MODEL_LEN, tokens, token_strs: null }));
}

function models(res: ServerResponse): void {
  log.push({ path: '/v1/models', fields: [] });
  const created = Math.floor(Date.now() / 1000);
  const permission = [{ id: 'modelperm-test', object: 'model_permission', created, allow_create_engine: false, allow_sampling: true, allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false, organization: '*', group: null, is_blocking: false }];
  const card = { id: SERVED_MODEL, object: 'model', created, owned_by: 'vllm', root: SERVED_MODEL, parent: null, max_model_len: MAX_MODEL_LEN, permission };
  sendText(res, 200, JSON.stringify({ object: 'list', data: [card] }));
}

async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/_test/log') return sendText(res, 200, JSON.stringify(log));
  if (path === '/_test/stats') return sendText(res, 200, JSON.stringify(stats));
  if (path === '/_test/reset') {
    log.length = 0;
    fault = undefined;
    Object.assign(stats, { calls: 0, prompt_tokens: 0, computed_tokens: 0, cached_tokens: 0 });
    return sendText(res, 200, '{}');
  }
  const body = await readJson(req);
  fault =
    body.fault === null
      ? undefined
      : {
          fault: body.fault as Fault,
          ...(typeof body.only_without === 'number' ? { onlyWithout: body.only_without } : {}),
          ...(typeof body.at === 'number' ? { at: body.at } : {}),
        };
  sendText(res, 200, '{}');
}

serveWire(
  Number(values.port),
  (port) => `vllm-wire server (${SERVED_MODEL}) on http://127.0.0.1:${port}/v1`,
  async (req, res, path) => {
    if (path.startsWith('/_test/')) return control(req, res, path);
    if (req.method === 'GET' && path === '/v1/models' && !values['no-models-route']) return models(res);
    if (req.method === 'POST' && path === '/v1/completions') return completions(req, res);
    if (req.method === 'POST' && path === '/tokenize') return tokenizeRoute(req, res);
    // FastAPI's own answer for a route it does not have, whatever the error shape.
    sendText(res, 404, '{"detail":"Not Found"}');
  },
  sendError,
  Boolean(values['exit-with-stdin']),
);
