// Reading a /completions answer that carries the logprob of every prompt token, in either of the
// two shapes vLLM documents, and summing it over each response's span:
//
//   prompt_logprobs: choices[0].prompt_logprobs = [null, {"<id>": {"logprob", "rank",
//                    "decoded_token"}, ...}, ...]; one item per prompt token, the first null (no
//                    history); an item holds the prompt token's entry and may hold top candidates
//                    too, so the entry is looked up by the id actually at that position.
//   echo:            choices[0].logprobs.token_logprobs = [null, -1.2, ...]; the prompt's tokens
//                    echoed, then the generated ones (usage.completion_tokens of them, max_tokens).
//
// Every prompt position after the first is checked, not only the spans: an answer for some other
// token stream (another tokenization, a server that added a BOS) shows up as missing entries.
import { z } from 'zod';
import { AnswerProblem } from './http-client.ts';
import { spanMask, spanTotals, type Span } from './scorer.ts';
import { LLAMA_CPP_REFUSAL } from './server-probe.ts';

export const LOGPROBS_FIELDS = ['prompt_logprobs', 'echo'] as const;
export type LogprobsField = (typeof LOGPROBS_FIELDS)[number];

const PromptLogprobsEnvelope = z.object({
  choices: z.array(z.object({ prompt_logprobs: z.array(z.unknown()).nullish() })).min(1, 'no choices'),
});

const EchoEnvelope = z.object({
  choices: z
    .array(z.object({ logprobs: z.object({ token_logprobs: z.array(z.unknown()).nullish() }).nullish() }))
    .min(1, 'no choices'),
  usage: z.object({ completion_tokens: z.number().int().nonnegative() }).partial().nullish(),
});

/** The answer read by `schema`, or an AnswerProblem naming the first field that is wrong. */
export function envelope<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new AnswerProblem(`${issue.path.join('.') || 'answer'}: ${issue.message}`);
}

/** What vLLM writes for −inf: it clamps every logprob to this before serialising. */
const CLAMPED_NEG_INF = -9999;

/**
 * A usable logprob, or the reason it is not one. −inf (written −9999.0 by vLLM), null (SGLang's
 * NaN and ±inf) and NaN fail the call: summed, they would make a huge divergence that is not one.
 */
export function logprobProblem(value: unknown, position: number, id: number, where: string): string | undefined {
  const at = `at prompt position ${position} (token id ${id})`;
  if (value === null) return `the server returned no logprob ${at} (${where} is null: −inf or NaN on the server)`;
  if (typeof value !== 'number') return `${where} is not a number (${value === undefined ? 'missing' : JSON.stringify(value)})`;
  if (Number.isNaN(value)) return `the server returned NaN ${at} (${where})`;
  if (value <= CLAMPED_NEG_INF) return `the server returned −inf ${at} (${where} is ${value}, vLLM's stand-in for −inf)`;
  if (!Number.isFinite(value)) return `the server returned ${value} ${at} (${where})`;
  if (value > 0) return `${where} is a positive logprob (${value})`;
  return undefined;
}

function keysOf(item: object): string {
  const keys = Object.keys(item);
  return keys.length === 0 ? 'none' : `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
}

/** llama.cpp's answers carry "timings" (and its native ones "generation_settings"); it cannot give prompt logprobs at all. */
function missingFieldReason(body: unknown, otherwise: string): string {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof answer.timings === 'object' || typeof answer.generation_settings === 'object') return LLAMA_CPP_REFUSAL;
  return otherwise;
}

export function checkSpans(spans: readonly Span[], length: number): void {
  for (const { start, end } of spans) {
    if (start < 0 || end < start || end > length) throw new Error(`response span [${start}, ${end}) is outside a prompt of ${length} tokens`);
  }
}

/** Totals from vLLM's prompt_logprobs shape. */
export function promptLogprobsTotals(body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  checkSpans(spans, prompt.length);
  const items = envelope(PromptLogprobsEnvelope, body).choices[0]!.prompt_logprobs;
  if (items == null) throw new AnswerProblem(missingFieldReason(body, 'the answer has no choices[0].prompt_logprobs (does the server support prompt_logprobs? SGLang drops the field: use --backend sglang, or --logprobs-field echo)'));
  if (items.length !== prompt.length) throw new AnswerProblem(`prompt_logprobs has ${items.length} items for a prompt of ${prompt.length} tokens`);
  const logprobs = new Float64Array(prompt.length);
  const needed = spanMask(prompt.length, spans);
  for (let i = 0; i < items.length; i++) {
    // No history before the first token: vLLM gives null there, and no span uses it.
    if (i === 0 && needed[0] === 0) continue;
    const item = items[i];
    const id = prompt[i]!;
    if (item === null) {
      // Only the positions a score sums must have a value; the others are not read.
      if (needed[i] === 0) continue;
      throw new AnswerProblem(`the server returned no logprob at prompt position ${i} (token id ${id}): prompt_logprobs[${i}] is null`);
    }
    if (typeof item !== 'object' || Array.isArray(item)) throw new AnswerProblem(`prompt_logprobs[${i}] is not an object of entries by token id`);
    // Every item must hold the token at its position: another token stream shows up here.
    const entry = (item as Record<string, unknown>)[String(id)];
    if (entry === undefined) throw new AnswerProblem(`prompt_logprobs[${i}] has no entry for the prompt's token id ${id} (it has ${keysOf(item)})`);
    if (typeof entry !== 'object' || entry === null) throw new AnswerProblem(`prompt_logprobs[${i}]["${id}"] is not an object`);
    if (needed[i] === 0) continue;
    const value = (entry as { logprob?: unknown }).logprob;
    const problem = logprobProblem(value, i, id, `prompt_logprobs[${i}]["${id}"].logprob`);
    if (problem !== undefined) throw new AnswerProblem(problem);
    logprobs[i] = value as number;
  }
  return spanTotals(logprobs, spans);
}

/** Totals from the classic echo shape: the prompt echoed with logprobs, then the generated tokens. */
export function echoTotals(body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  checkSpans(spans, prompt.length);
  const answer = envelope(EchoEnvelope, body);
  const items = answer.choices[0]!.logprobs?.token_logprobs;
  if (items == null) throw new AnswerProblem(missingFieldReason(body, 'the answer has no choices[0].logprobs.token_logprobs (does the server support echo with logprobs?)'));
  // We ask for max_tokens 1; a server that reports another count is believed.
  const generated = answer.usage?.completion_tokens ?? 1;
  if (items.length !== prompt.length + generated) {
    throw new AnswerProblem(`token_logprobs has ${items.length} items for a prompt of ${prompt.length} tokens and ${generated} generated`);
  }
  const logprobs = new Float64Array(prompt.length);
  const needed = spanMask(prompt.length, spans);
  for (let i = 0; i < prompt.length; i++) {
    if (needed[i] === 0) continue;
    const value = items[i];
    const problem = logprobProblem(value, i, prompt[i]!, `token_logprobs[${i}]`);
    if (problem !== undefined) throw new AnswerProblem(problem);
    logprobs[i] = value as number;
  }
  return spanTotals(logprobs, spans);
}

export function responseTotals(field: LogprobsField, body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  return field === 'echo' ? echoTotals(body, prompt, spans) : promptLogprobsTotals(body, prompt, spans);
}
