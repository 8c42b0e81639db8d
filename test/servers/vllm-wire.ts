// A server that speaks vLLM's OpenAI-compatible wire format, written from vLLM's documentation
// and protocol definitions, with memscope's built-in model behind it:
//
//   POST /v1/completions  {"model", "prompt": [ids], "max_tokens", "prompt_logprobs": k}
//                         -> choices[0].prompt_logprobs: [null, {"<id>": {"logprob", "rank",
//                            "decoded_token"}, ...}, ...]: the prompt token's entry plus the top k
//                         {"echo": true, "logprobs": k} -> choices[0].logprobs.token_logprobs:
//                            [null, ...prompt tokens..., generated token]
//   POST /tokenize        {"model", "prompt": "text", "add_special_tokens"} -> {"count",
//                            "max_model_len", "tokens"}; special tokens in the text are single
//                            ids; add_special_tokens (the default) puts a BOS first
//
// At two positions in three the prompt token is NOT the model's top choice: better candidates
// come first in the item, with smaller ids and rank 1, so a client that reads the first entry, the
// smallest id or the best rank reads the wrong logprob.
//
// For tests: POST /_test/fault {"fault", "only_without"} makes answers malformed (only for prompts
// that lack the token id `only_without`, when given); GET /_test/log lists the requests seen.
//
//   node --import tsx test/servers/vllm-wire.ts [--port 0] [--model NAME] [--candidates N]
//        [--specials chatml|llama3|both] [--priority-scheduling] [--exit-with-stdin]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { tokenLogprobs } from '../../src/builtin/builtin-model.ts';
import { BUILTIN_VOCAB_SIZE, tokenize } from '../../src/context/tokenizer.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    model: { type: 'string', default: 'memscope-builtin' },
    candidates: { type: 'string' },
    specials: { type: 'string', default: 'both' },
    'priority-scheduling': { type: 'boolean', default: false },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const SERVED_MODEL = values.model;
const MAX_MODEL_LEN = 1 << 20;
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

type Fault =
  | 'short'
  | 'long'
  | 'missing'
  | 'null-item'
  | 'nan'
  | 'null-logprob'
  | 'positive'
  | 'no-prompt-logprobs'
  | 'no-choices'
  | 'http-500'
  | 'not-json';
let fault: { fault: Fault; onlyWithout?: number } | undefined;
const log: Record<string, unknown>[] = [];

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'BadRequestError',
  ) {
    super(message);
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** vLLM's ErrorResponse: {"error": {"message", "type", "param", "code"}}. */
function sendError(res: ServerResponse, problem: HttpProblem): void {
  sendText(res, problem.status, JSON.stringify({ error: { message: problem.message, type: problem.type, param: null, code: problem.status } }));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpProblem(400, 'the body is not a JSON object');
}

function checkModel(body: Record<string, unknown>): void {
  if (body.model !== undefined && body.model !== null && body.model !== SERVED_MODEL) {
    throw new HttpProblem(404, `model ${JSON.stringify(body.model)} is not served here`, 'NotFoundError');
  }
}

function optionalInt(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value)) throw new HttpProblem(400, `${field} must be a whole number`);
  return value as number;
}

/** Special tokens are matched first, then the text between them goes through the word-piece tokenizer. */
function tokenizeText(text: string, addSpecialTokens: boolean): number[] {
  const names = Object.keys(SPECIALS).map((s) => s.replace(/[|[\]\\^$.*+?(){}]/g, '\\$&'));
  const ids: number[] = addSpecialTokens ? [BOS] : [];
  const parts = names.length > 0 ? text.split(new RegExp(`(${names.join('|')})`)) : [text];
  for (const part of parts) {
    if (part === '') continue;
    const special = SPECIALS[part];
    if (special !== undefined) ids.push(special);
    else ids.push(...tokenize(part));
  }
  return ids;
}

function decoded(id: number): string {
  return `<${id}>`;
}

/** The k candidates that beat the prompt token at position i, or none where it is the top choice. */
function betterCandidates(i: number, id: number, logprob: number, k: number): { id: number; logprob: number }[] {
  if (i % 3 === 0) return [];
  const out: { id: number; logprob: number }[] = [];
  for (let c = 1; c <= k; c++) out.push({ id: (id - c + BUILTIN_VOCAB_SIZE) % BUILTIN_VOCAB_SIZE, logprob: (logprob * c) / (k + 1) });
  return out;
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
  if (active === 'nan') return 'NaN';
  if (active === 'null-logprob') return 'null';
  if (active === 'positive') return '0.5';
  return String(value);
}

/** The prompt_logprobs list, written by hand so that the order of entries in an item is ours. */
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
    const better = betterCandidates(i, id, logprobs[i]!, candidates);
    const parts = better.map((c, r) => entry(c.id, String(c.logprob), r + 1));
    if (!(here && active === 'missing')) parts.push(entry(id, logprobText(logprobs[i]!, here, active), better.length + 1));
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

async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  checkModel(body);
  const prompt = body.prompt;
  if (!Array.isArray(prompt) || prompt.length === 0 || !prompt.every((id) => Number.isInteger(id) && id >= 0)) {
    throw new HttpProblem(400, 'this server takes the prompt as a non-empty list of token ids');
  }
  for (const id of prompt as number[]) if (id >= BUILTIN_VOCAB_SIZE) throw new HttpProblem(400, `token id ${id} is outside the vocabulary`);
  const priority = optionalInt(body, 'priority') ?? 0;
  if (priority !== 0 && !values['priority-scheduling']) {
    throw new HttpProblem(400, 'priority other than 0 needs a server started with priority scheduling');
  }
  const promptLogprobs = optionalInt(body, 'prompt_logprobs');
  const logprobsK = optionalInt(body, 'logprobs');
  const maxTokens = optionalInt(body, 'max_tokens') ?? 16;
  if (maxTokens < 0) throw new HttpProblem(400, 'max_tokens must be at least 0');
  const echo = body.echo === true;
  log.push({ path: '/v1/completions', fields: Object.keys(body).sort(), priority: body.priority, promptLength: prompt.length });

  const ids = prompt as number[];
  const active = fault !== undefined && (fault.onlyWithout === undefined || !ids.includes(fault.onlyWithout)) ? fault.fault : undefined;
  if (active === 'http-500') throw new HttpProblem(500, 'the engine fell over', 'InternalServerError');
  if (active === 'not-json') return sendText(res, 200, '<html>upstream proxy error</html>');

  const logprobs = await tokenLogprobs(Uint32Array.from(ids), { vocab: BUILTIN_VOCAB_SIZE });
  const at = faultPosition(ids);
  const promptField = promptLogprobs !== undefined && active !== 'no-prompt-logprobs' ? promptLogprobsJson(ids, logprobs, promptLogprobs, active, at) : 'null';
  // With echo, vLLM puts the prompt's logprobs before the generated token's.
  const logprobsField = echo && logprobsK !== undefined && active !== 'no-prompt-logprobs' ? echoLogprobsJson(ids, logprobs, active, at) : 'null';
  const text = echo ? [...ids, GENERATED.id].map(decoded).join('') : decoded(GENERATED.id);
  const choice = `{"index":0,"text":${JSON.stringify(text)},"logprobs":${logprobsField},"finish_reason":"length","stop_reason":null,"prompt_logprobs":${promptField}}`;
  const usage = `{"prompt_tokens":${ids.length},"total_tokens":${ids.length + 1},"completion_tokens":1}`;
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
  if (typeof body.prompt !== 'string') throw new HttpProblem(400, 'prompt must be a string');
  const add = body.add_special_tokens === undefined ? true : body.add_special_tokens === true;
  log.push({ path: '/tokenize', fields: Object.keys(body).sort(), add_special_tokens: body.add_special_tokens, prompt: body.prompt });
  const tokens = tokenizeText(body.prompt, add);
  sendText(res, 200, JSON.stringify({ count: tokens.length, max_model_len: MAX_MODEL_LEN, tokens, token_strs: null }));
}

async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/_test/log') return sendText(res, 200, JSON.stringify(log));
  if (path === '/_test/reset') {
    log.length = 0;
    fault = undefined;
    return sendText(res, 200, '{}');
  }
  const body = await readJson(req);
  fault = body.fault === null ? undefined : { fault: body.fault as Fault, ...(typeof body.only_without === 'number' ? { onlyWithout: body.only_without } : {}) };
  sendText(res, 200, '{}');
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  const handle = async () => {
    if (path.startsWith('/_test/')) return control(req, res, path);
    if (req.method !== 'POST') throw new HttpProblem(405, 'Method Not Allowed', 'MethodNotAllowed');
    if (path === '/v1/completions') return completions(req, res);
    if (path === '/tokenize') return tokenizeRoute(req, res);
    throw new HttpProblem(404, 'Not Found', 'NotFoundError');
  };
  handle().catch((error: unknown) => {
    if (res.headersSent) return;
    sendError(res, error instanceof HttpProblem ? error : new HttpProblem(500, String(error), 'InternalServerError'));
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`vllm-wire server (${SERVED_MODEL}) on http://127.0.0.1:${address.port}/v1\n`);
});
function stop(): void {
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
// A test that dies without stopping us closes our stdin: go too, rather than linger.
if (values['exit-with-stdin']) process.stdin.on('end', stop).resume();
