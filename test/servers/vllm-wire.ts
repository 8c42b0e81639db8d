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
//                            "max_model_len", "tokens", "token_strs"}; special tokens in the text
//                            are single ids; add_special_tokens (the default) puts a BOS first
//                         {"model", "messages", "add_generation_prompt" (default true),
//                            "continue_final_message", "add_special_tokens" (default false)}:
//                            the messages rendered with --chat-template (chat-templates.ts) and
//                            tokenized; without one, vLLM's 400; a template that raises: 400
//                            with its message; "return_token_strs": the token strings too
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
// last end-of-turn token); GET /_test/log lists the requests seen, GET /_test/prompts the prompts.
//
//   node dist/test/servers/vllm-wire.js [--port 0] [--model NAME] [--candidates N]
//        [--specials chatml|llama3|both] [--max-model-len N] [--error-shape nested|flat|fastapi]
//        [--tokenizer wordpiece|sentencepiece|sentencepiece-merging|bpe] [--no-models-route]
//        [--priority-scheduling] [--chat-template chatml|llama3|gemma|mistral|sysmove]
//        [--jitter SEED] [--jitter-amplitude NATS] [--exit-with-stdin]
//
// --jitter: batch-dependent noise on every logprob (batch-jitter.ts); off by default.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { BUILTIN_VOCAB_SIZE, pieceId, tokenPieces, tokenize } from '../../src/context/tokenizer.ts';
import { BatchJitter } from './batch-jitter.ts';
import { fakeChatTemplate, renderFakeChat } from './chat-templates.ts';
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
    'chat-template': { type: 'string' },
    jitter: { type: 'string' },
    'jitter-amplitude': { type: 'string', default: '0.03' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const SERVED_MODEL = values.model;
const MAX_MODEL_LEN = Number(values['max-model-len']);
const ERROR_SHAPE = values['error-shape'] as 'nested' | 'flat' | 'fastapi';
const CHATML = { '<|im_start|>': 1, '<|im_end|>': 2 };
const LLAMA3 = { '<|begin_of_text|>': 3, '<|start_header_id|>': 4, '<|end_header_id|>': 5, '<|eot_id|>': 6 };
const CHAT_TEMPLATE = values['chat-template'] !== undefined ? fakeChatTemplate(values['chat-template']) : undefined;
const SPECIALS: Record<string, number> = {
  ...(values.specials !== 'llama3' ? CHATML : {}),
  ...(values.specials !== 'chatml' ? LLAMA3 : {}),
  ...CHAT_TEMPLATE?.specials,
};
const JITTER = values.jitter !== undefined ? new BatchJitter(Number(values.jitter), Number(values['jitter-amplitude'])) : undefined;
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
/** The prompts of /v1/completions, in order: GET /_test/prompts. */
const prompts: number[][] = [];
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
/** The ids and, as vLLM's return_token_strs, each id's text (the piece it was read from). */
function tokenizeWithStrings(text: string, addSpecialTokens: boolean): { ids: number[]; strs: string[] } {
  const names = Object.keys(SPECIALS).map((s) => s.replace(/[|[\]\\^$.*+?(){}]/g, '\\$&'));
  const ids: number[] = addSpecialTokens ? [BOS] : [];
  const strs: string[] = addSpecialTokens ? ['<|begin_of_text|>'] : [];
  const parts = names.length > 0 ? text.split(new RegExp(`(${names.join('|')})`)) : [text];
  let atStart = true;
  for (const part of parts) {
    if (part === '') continue;
    const special = SPECIALS[part];
    if (special !== undefined) {
      ids.push(special);
      strs.push(part);
    } else {
      const pieces = values.tokenizer === 'bpe' ? bpePieces(part) : tokenPieces(part);
      const words = values.tokenizer === 'bpe' ? pieces.map(pieceId) : tokenize(part);
      if (atStart && values.tokenizer.startsWith('sentencepiece') && words.length > 0) {
        words[0] = wordStart(words[0]!);
        pieces[0] = `▁${pieces[0]!}`;
        if (values.tokenizer === 'sentencepiece-merging' && part.startsWith('\n') && words.length > 1) {
          words.splice(0, 2, (words[0] * 31 + words[1]!) % BUILTIN_VOCAB_SIZE);
          pieces.splice(0, 2, pieces[0] + pieces[1]!);
        }
      }
      ids.push(...words);
      strs.push(...pieces);
    }
    atStart = false;
  }
  return { ids, strs };
}

/** The word-piece ids, but a run of punctuation with the line breaks after it is one piece. */
function bpePieces(text: string): string[] {
  return [...text.matchAll(/[^\s\p{L}\p{N}_]+[\r\n]*|[ ]?[\p{L}\p{N}_]+|\s+/gu)].map((m) => m[0]);
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
  prompts.push(ids);
  const active = fault !== undefined && (fault.onlyWithout === undefined || !ids.includes(fault.onlyWithout)) ? fault.fault : undefined;
  if (active === 'http-500') throw new HttpProblem(500, 'the engine fell over', 'InternalServerError');
  if (active === 'not-json') return sendText(res, 200, '<html>upstream proxy error</html>', 'text/html');
  // Python's JSON encoder refuses NaN (allow_nan=False): Starlette answers its bare 500.
  if (active === 'nan') return sendText(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8');

  // No prefix cache for a prompt-logprobs request: every token is computed.
  stats.calls++;
  stats.prompt_tokens += ids.length;
  stats.computed_tokens += ids.length;
  // Its batch: its own (see --jitter).
  const batch = JITTER?.enter();
  const exact = await tokenLogprobs(Uint32Array.from(ids), { vocab: BUILTIN_VOCAB_SIZE });
  const logprobs = JITTER !== undefined && batch !== undefined ? JITTER.apply(ids, exact, batch) : exact;
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
  const chat = body.messages !== undefined;
  const text = chat ? renderMessages(body) : body.prompt;
  if (typeof text !== 'string') throw new HttpProblem(400, 'prompt must be a string', 'BadRequestError', 'prompt');
  // A chat request adds no BOS unless asked (the template writes its own); a prompt adds one unless told not to.
  const add = body.add_special_tokens === undefined ? !chat : body.add_special_tokens === true;
  log.push({ path: '/tokenize', fields: Object.keys(body).sort(), add_special_tokens: body.add_special_tokens, ...(chat ? { messages: body.messages, add_generation_prompt: body.add_generation_prompt } : { prompt: body.prompt }) });
  const { ids: tokens, strs } = tokenizeWithStrings(text, add);
  sendText(res, 200, JSON.stringify({ count: tokens.length, max_model_len: MAX_MODEL_LEN, tokens, token_strs: body.return_token_strs === true ? strs : null }));
}

/** The text of a chat tokenize request, as vLLM renders it: string contents, text parts joined by newlines. */
function renderMessages(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (!Array.isArray(messages)) throw new HttpProblem(400, 'messages must be a list', 'BadRequestError', 'messages');
  const plain = messages.map((message: unknown, i) => {
    const m = message as Record<string, unknown> | null;
    if (m === null || typeof m !== 'object' || typeof m.role !== 'string') throw new HttpProblem(400, `messages.${i}.role: Field required`, 'BadRequestError', 'messages');
    const content = Array.isArray(m.content) ? m.content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('\n') : m.content;
    if (typeof content !== 'string') throw new HttpProblem(400, `messages.${i}.content: Input should be a valid string`, 'BadRequestError', 'messages');
    return { ...m, content };
  });
  const generation = body.add_generation_prompt === undefined ? true : body.add_generation_prompt === true;
  if (generation && body.continue_final_message === true) {
    throw new HttpProblem(400, 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.', 'BadRequestError');
  }
  if (CHAT_TEMPLATE === undefined) {
    throw new HttpProblem(
      400,
      'As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.',
      'BadRequestError',
    );
  }
  try {
    return renderFakeChat(CHAT_TEMPLATE, plain, generation);
  } catch (error) {
    throw new HttpProblem(400, error instanceof Error ? error.message : String(error), 'BadRequestError');
  }
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
  if (path === '/_test/prompts') return sendText(res, 200, JSON.stringify(prompts));
  if (path === '/_test/stats') return sendText(res, 200, JSON.stringify(stats));
  if (path === '/_test/reset') {
    log.length = 0;
    prompts.length = 0;
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
