// A GPU inference server, simulated: it answers like the real ones and charges time like a GPU
// (the model is in gpu-cost-model.ts). Logprobs are the built-in model's, so a matrix scored
// against it equals the built-in scorer's; every call goes through the simulated scheduler and
// prefix cache, and waits for its last prefill step.
//
//   POST /score, /v1/score   the reference's shape, as `memscope serve` answers it; reads the
//                            cache up to the last token (--score-cache none: never)
//   POST /v1/completions     vLLM: prompt as ids, prompt_logprobs (or echo + logprobs); never
//                            reads the cache (vLLM skips it for prompt-logprob requests)
//   POST /generate           SGLang: input_ids, return_logprob, logprob_start_len; reads the
//                            cache up to logprob_start_len, reports meta_info.cached_tokens
//   GET  /stats, /v1/stats   {requests, tokens_received, tokens_computed, tokens_reused, steps,
//                            busy_ms, cache_tokens}
//   POST /_test/reset        {"cache": true|false}: counters to zero (and the cache emptied)
//
// Only the tokens of assistant responses get their logprob (as the built-in scorer does); other
// positions read 0. Answers carry usage.prompt_tokens_details.cached_tokens (vLLM's and
// OpenAI's field) on /score and /v1/completions.
//
//   node dist/test/servers/gpu-sim.js [--port 0] [--kind vllm|sglang] [--token-budget 8192]
//     [--max-running 256] [--step-overhead-ms 5] [--per-token-ms 0.025] [--cache-tokens 400000]
//     [--block-size 16 (vllm) | 1 (sglang)] [--scale 0] [--admit-wait-ms 0]
//     [--score-cache prefix|none]
//     [--exit-with-stdin]
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { MODEL_NAME, assistantSpans } from '../../src/builtin/builtin-model.ts';
import { spanMask, spanTotals } from '../../src/scoring/scorer.ts';
import { PrefixCache } from '../../src/builtin/prefix-cache.ts';
import { builtinTemplate } from '../../src/context/template.ts';
import { BUILTIN_VOCAB_SIZE } from '../../src/context/tokenizer.ts';
import { parseScoreRequest } from '../../src/scoring/score-request.ts';
import { DEFAULT_COST, GpuSimulator, type GpuCostOptions } from './gpu-cost-model.ts';
import { answerGenerate, type GenerateSettings } from './sglang-generate.ts';
import { HttpProblem, readBody, readJson, sendText, serveWire } from './wire-kit.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    kind: { type: 'string', default: 'vllm' },
    'token-budget': { type: 'string' },
    'max-running': { type: 'string' },
    'step-overhead-ms': { type: 'string' },
    'per-token-ms': { type: 'string' },
    'cache-tokens': { type: 'string' },
    'block-size': { type: 'string' },
    scale: { type: 'string' },
    'admit-wait-ms': { type: 'string' },
    'score-cache': { type: 'string', default: 'prefix' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

function numberFlag(name: keyof typeof values, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(value) || value < 0) {
    process.stderr.write(`gpu-sim: --${name} must be a number ≥ 0, got ${String(text)}\n`);
    process.exit(2);
  }
  return value;
}

if (values.kind !== 'vllm' && values.kind !== 'sglang') {
  process.stderr.write(`gpu-sim: --kind must be vllm or sglang, got ${values.kind}\n`);
  process.exit(2);
}
if (values['score-cache'] !== 'prefix' && values['score-cache'] !== 'none') {
  process.stderr.write(`gpu-sim: --score-cache must be prefix or none, got ${values['score-cache']}\n`);
  process.exit(2);
}
const cost: GpuCostOptions = {
  tokenBudget: numberFlag('token-budget', DEFAULT_COST.tokenBudget),
  maxRunning: numberFlag('max-running', DEFAULT_COST.maxRunning),
  stepOverheadMs: numberFlag('step-overhead-ms', DEFAULT_COST.stepOverheadMs),
  perTokenMs: numberFlag('per-token-ms', DEFAULT_COST.perTokenMs),
  cacheTokens: numberFlag('cache-tokens', DEFAULT_COST.cacheTokens),
  blockSize: numberFlag('block-size', values.kind === 'sglang' ? 1 : 16),
  scale: numberFlag('scale', DEFAULT_COST.scale),
  admitWaitMs: numberFlag('admit-wait-ms', DEFAULT_COST.admitWaitMs),
};
const gpu = new GpuSimulator(cost);
const scoreReadsCache = values['score-cache'] === 'prefix';
const header = builtinTemplate.open('assistant');

// The logprobs themselves, computed on this machine's CPU with the built-in scorer's prefix
// reuse (one call at a time); the GPU's time is the simulator's.
const model = new PrefixCache(BUILTIN_VOCAB_SIZE);
let modelQueue: Promise<unknown> = Promise.resolve();
function logprobs(prompt: Uint32Array): Promise<Float64Array> {
  const turn = modelQueue.then(() => model.logprobs(prompt, undefined, spanMask(prompt.length, assistantSpans(prompt, header))));
  modelQueue = turn.catch(() => undefined);
  return turn;
}

/** The model's logprobs and the simulated GPU's time, both: the answer waits for the later. */
async function run(prompt: Uint32Array, readLimit: number): Promise<{ logprobs: Float64Array; cached: number }> {
  const [lp, admission] = await Promise.all([logprobs(prompt), gpu.submit(prompt, readLimit)]);
  return { logprobs: lp, cached: admission.cached };
}

function ids(value: unknown, field: string): Uint32Array {
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => Number.isInteger(id) && id >= 0 && id < BUILTIN_VOCAB_SIZE)) {
    throw new HttpProblem(400, `${field} must be a non-empty list of token ids below ${BUILTIN_VOCAB_SIZE}`);
  }
  return Uint32Array.from(value as number[]);
}

const usage = (prompt: number, cached: number) => `{"prompt_tokens":${prompt},"completion_tokens":0,"total_tokens":${prompt},"prompt_tokens_details":{"cached_tokens":${cached}}}`;

async function score(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseScoreRequest(await readBody(req), 4_000_000);
  if (typeof request === 'string') throw new HttpProblem(400, request);
  const prompt = request.prompt;
  const { logprobs: lp, cached } = await run(prompt, scoreReadsCache ? prompt.length : 0);
  const totals = spanTotals(lp, assistantSpans(prompt, header));
  const scores = totals.map((t) => `{"total_logprob":${JSON.stringify(t)}}`).join(',');
  sendText(res, 200, `{"scores":[${scores}],"usage":${usage(prompt.length, cached)}}`);
}

/** vLLM: choices[0].prompt_logprobs, [null, {"<id>": {"logprob", "rank", "decoded_token"}}, …]. */
async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const prompt = ids(body.prompt, 'prompt');
  const echo = body.echo === true && Number.isInteger(body.logprobs);
  if (!Number.isInteger(body.prompt_logprobs) && !echo) throw new HttpProblem(400, 'this simulator answers prompt_logprobs or echo + logprobs requests only');
  // vLLM does not read its prefix cache for requests that want prompt logprobs.
  const { logprobs: lp, cached } = await run(prompt, 0);
  const items: string[] = ['null'];
  for (let i = 1; i < prompt.length; i++) items.push(`{"${prompt[i]}":{"logprob":${lp[i]},"rank":1,"decoded_token":"<${prompt[i]}>"}}`);
  let logprobsField = 'null';
  if (echo) {
    const tokenLogprobs = ['null', ...Array.from(lp.subarray(1), String), '-0.75'];
    logprobsField = `{"token_logprobs":[${tokenLogprobs.join(',')}],"tokens":null,"top_logprobs":null,"text_offset":null}`;
  }
  const choice = `{"index":0,"text":"<16>","logprobs":${logprobsField},"finish_reason":"length","stop_reason":null,"prompt_logprobs":${Number.isInteger(body.prompt_logprobs) ? `[${items.join(',')}]` : 'null'}}`;
  sendText(res, 200, `{"id":"cmpl-sim","object":"text_completion","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(body.model ?? MODEL_NAME)},"choices":[${choice}],"usage":${usage(prompt.length, cached)}}`);
}

/** SGLang: answered as the SGLang fake answers (sglang-generate.ts), over the simulated GPU. */
const generateSettings: GenerateSettings = {
  prefill: async (prompt, readLimit) => (await gpu.submit(prompt, readLimit)).cached,
  logprobs,
  contextLength: Infinity,
  vocabSize: BUILTIN_VOCAB_SIZE,
};

async function generate(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const outcome = await answerGenerate(await readJson(req), generateSettings);
  if (outcome.error !== undefined) throw new HttpProblem(outcome.status, outcome.error.message);
  sendText(res, outcome.status, outcome.body);
}

// Errors in vLLM's nested shape, whichever server the simulator stands for.
function sendError(res: ServerResponse, problem: HttpProblem): void {
  sendText(res, problem.status, JSON.stringify({ error: { message: problem.message, type: 'BadRequestError', param: null, code: problem.status } }));
}

serveWire(
  Number(values.port),
  (port) => `gpu-sim (${values.kind}) on http://127.0.0.1:${port}`,
  async (req, res, path) => {
    if (path === '/health' || path === '/v1/health') return sendText(res, 200, JSON.stringify({ status: 'ok', model: MODEL_NAME }));
    if (path === '/stats' || path === '/v1/stats') return sendText(res, 200, JSON.stringify({ ...gpu.stats(), kind: values.kind, ...cost }));
    if (req.method !== 'POST') throw new HttpProblem(405, 'use POST');
    if (path === '/_test/reset') {
      const body = await readJson(req);
      gpu.reset(body.cache === true);
      return sendText(res, 200, '{}');
    }
    if (path === '/score' || path === '/v1/score') return score(req, res);
    if (path === '/v1/completions') return completions(req, res);
    if (path === '/generate') return generate(req, res);
    throw new HttpProblem(404, `no route ${path}`);
  },
  sendError,
  Boolean(values['exit-with-stdin']),
);
