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
import type { Span } from './scorer.ts';

export const LOGPROBS_FIELDS = ['prompt_logprobs', 'echo'] as const;
export type LogprobsField = (typeof LOGPROBS_FIELDS)[number];

/** The reason a completions answer cannot be read; the caller adds the HTTP status. */
export class AnswerProblem extends Error {
  override readonly name = 'AnswerProblem';
}

const PromptLogprobsEnvelope = z.object({
  choices: z.array(z.object({ prompt_logprobs: z.array(z.unknown()).nullish() })).min(1, 'no choices'),
});

const EchoEnvelope = z.object({
  choices: z
    .array(z.object({ logprobs: z.object({ token_logprobs: z.array(z.unknown()).nullish() }).nullish() }))
    .min(1, 'no choices'),
  usage: z.object({ completion_tokens: z.number().int().nonnegative() }).partial().nullish(),
});

function envelope<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new AnswerProblem(`${issue.path.join('.') || 'answer'}: ${issue.message}`);
}

/** A usable logprob or the reason it is not one. */
function logprobProblem(value: unknown): string | undefined {
  if (typeof value !== 'number') return `is not a number (${value === undefined ? 'missing' : JSON.stringify(value)})`;
  if (Number.isNaN(value)) return 'is NaN';
  if (!Number.isFinite(value)) return `is not finite (${value})`;
  if (value > 0) return `is a positive logprob (${value})`;
  return undefined;
}

function keysOf(item: object): string {
  const keys = Object.keys(item);
  return keys.length === 0 ? 'none' : `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
}

/** Sums per-token logprobs over every span; `logprobs[i]` is defined for every position a span holds. */
function spanTotals(logprobs: Float64Array, spans: readonly Span[]): number[] {
  return spans.map(({ start, end }) => {
    let total = 0;
    for (let i = start; i < end; i++) total += logprobs[i]!;
    return total;
  });
}

function checkSpans(spans: readonly Span[], length: number): void {
  for (const { start, end } of spans) {
    if (start < 0 || end < start || end > length) throw new Error(`response span [${start}, ${end}) is outside a prompt of ${length} tokens`);
  }
}

function inSomeSpan(spans: readonly Span[], position: number): boolean {
  return spans.some(({ start, end }) => position >= start && position < end);
}

/** Totals from vLLM's prompt_logprobs shape. */
export function promptLogprobsTotals(body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  checkSpans(spans, prompt.length);
  const items = envelope(PromptLogprobsEnvelope, body).choices[0]!.prompt_logprobs;
  if (items == null) throw new AnswerProblem('the answer has no choices[0].prompt_logprobs (does the server support prompt_logprobs?)');
  if (items.length !== prompt.length) throw new AnswerProblem(`prompt_logprobs has ${items.length} items for a prompt of ${prompt.length} tokens`);
  const logprobs = new Float64Array(prompt.length);
  for (let i = 0; i < items.length; i++) {
    // No history before the first token: vLLM gives null there, and no span uses it.
    if (i === 0 && !inSomeSpan(spans, 0)) continue;
    const item = items[i];
    const id = prompt[i]!;
    if (item === null) throw new AnswerProblem(`prompt_logprobs[${i}] is null: token ${i} (id ${id}) has no logprob`);
    if (typeof item !== 'object' || Array.isArray(item)) throw new AnswerProblem(`prompt_logprobs[${i}] is not an object of entries by token id`);
    const entry = (item as Record<string, unknown>)[String(id)];
    if (entry === undefined) throw new AnswerProblem(`prompt_logprobs[${i}] has no entry for the prompt's token id ${id} (it has ${keysOf(item)})`);
    if (typeof entry !== 'object' || entry === null) throw new AnswerProblem(`prompt_logprobs[${i}]["${id}"] is not an object`);
    const value = (entry as { logprob?: unknown }).logprob;
    const problem = logprobProblem(value);
    if (problem !== undefined) throw new AnswerProblem(`prompt_logprobs[${i}]["${id}"].logprob ${problem}`);
    logprobs[i] = value as number;
  }
  return spanTotals(logprobs, spans);
}

/** Totals from the classic echo shape: the prompt echoed with logprobs, then the generated tokens. */
export function echoTotals(body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  checkSpans(spans, prompt.length);
  const answer = envelope(EchoEnvelope, body);
  const items = answer.choices[0]!.logprobs?.token_logprobs;
  if (items == null) throw new AnswerProblem('the answer has no choices[0].logprobs.token_logprobs (does the server support echo with logprobs?)');
  // We ask for max_tokens 1; a server that reports another count is believed.
  const generated = answer.usage?.completion_tokens ?? 1;
  if (items.length !== prompt.length + generated) {
    throw new AnswerProblem(`token_logprobs has ${items.length} items for a prompt of ${prompt.length} tokens and ${generated} generated`);
  }
  const logprobs = new Float64Array(prompt.length);
  for (let i = 0; i < prompt.length; i++) {
    if (i === 0 && !inSomeSpan(spans, 0)) continue;
    const value = items[i];
    if (value === null) throw new AnswerProblem(`token_logprobs[${i}] is null: token ${i} (id ${prompt[i]}) has no logprob`);
    const problem = logprobProblem(value);
    if (problem !== undefined) throw new AnswerProblem(`token_logprobs[${i}] ${problem}`);
    logprobs[i] = value as number;
  }
  return spanTotals(logprobs, spans);
}

export function responseTotals(field: LogprobsField, body: unknown, prompt: Uint32Array, spans: readonly Span[]): number[] {
  return field === 'echo' ? echoTotals(body, prompt, spans) : promptLogprobsTotals(body, prompt, spans);
}
