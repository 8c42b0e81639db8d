// The body of a /score request, {"model"?, "prompt": [ids], "logprobs"?, "priority"?}: written
// by the client (the ids straight into bytes), read by `memscope serve`. A prompt is tens of thousands of ids, and JSON.parse plus a
// check of every element costs more than scoring it with prefix reuse, so a well-formed body
// is read by a scanner that puts the ids straight into a Uint32Array. Anything it does not
// expect (nesting, escapes, a bad id) goes through JSON.parse and the schema instead, which
// also gives the error messages.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { runsLength } from './prompt.ts';
import type { ReferenceDecoder } from './reference-decoder.ts';
import type { ScoreCall } from './scorer.ts';
import { ReferenceEncoder, asciiJson, tokenIdsJson, tokenIdsJsonLength, tokenIdsJsonPieces, type IdParts } from './token-ids-json.ts';

/** The JSON around the prompt's ids, in ASCII (so that it is written byte for byte). */
function around(model: string | null, priority: number | undefined): [string, string] {
  const head = model !== null ? `{"model":${asciiJson(model)},"prompt":` : '{"prompt":';
  const tail = priority !== undefined ? `,"logprobs":1,"priority":${priority}}` : ',"logprobs":1}';
  return [head, tail];
}

/**
 * The request body the reference sends: model (unless null), prompt, logprobs 1, priority. With
 * an encoder, the ids shared with its reference prompt are copied rather than written.
 */
export function scoreRequestBody(prompt: Uint32Array, model: string | null, priority: number | undefined, encoder?: ReferenceEncoder): Uint8Array {
  return encoder !== undefined ? encoder.encode(prompt, ...around(model, priority)) : tokenIdsJson(prompt, ...around(model, priority));
}

/** An encoder for one client's prompts: its reference is at most a streamed prompt's size. */
export function requestEncoder(): ReferenceEncoder {
  return new ReferenceEncoder(STREAM_ABOVE_IDS);
}

/** Prompts above this many ids are sent as a stream of pieces (scoreRequestPayload). */
export const STREAM_ABOVE_IDS = 1 << 18;

/**
 * The request body to send and its length: one buffer, or for a prompt of more than
 * `streamAboveIds` ids a stream of pieces written as the socket takes them (a 2M-token prompt is
 * a 14 MB body, and with eight calls in flight whole bodies would hold over 100 MB). With the
 * call's source, the bytes come from its runs and the prompt itself is not read (so, from the
 * engine, never built: at that size each one is 8 MB).
 */
export function scoreRequestPayload(
  call: Pick<ScoreCall, 'prompt' | 'source' | 'priority'>,
  model: string | null,
  streamAboveIds = STREAM_ABOVE_IDS,
  encoder?: ReferenceEncoder,
): { body: Uint8Array | Readable; length: number } {
  const { source, priority } = call;
  const size = source !== undefined ? runsLength(source.runs) : call.prompt.length;
  if (size <= streamAboveIds) {
    const copied = source !== undefined ? encoder?.encodeSource(source, ...around(model, priority)) : undefined;
    const body = copied ?? scoreRequestBody(call.prompt, model, priority, encoder);
    return { body, length: body.length };
  }
  const ids = source !== undefined ? runViews(source.base, source.runs) : call.prompt;
  const { length, pieces } = scoreRequestPieces(ids, model, priority);
  return { body: Readable.from(pieces, { objectMode: false }), length };
}

function runViews(base: Uint32Array, runs: Int32Array): Uint32Array[] {
  const views: Uint32Array[] = [];
  for (let k = 0; k < runs.length; k += 2) views.push(base.subarray(runs[k], runs[k + 1]));
  return views;
}

/** The same body as pieces, each written when asked for, and its length. */
export function scoreRequestPieces(prompt: IdParts, model: string | null, priority: number | undefined): { length: number; pieces: Generator<Uint8Array> } {
  const [head, tail] = around(model, priority);
  return { length: tokenIdsJsonLength(prompt, head, tail), pieces: tokenIdsJsonPieces(prompt, head, tail) };
}

export const ScoreRequestSchema = z.object({
  model: z.string().nullable().optional(),
  // Checked by promptIds: a schema over every element is the slow part.
  prompt: z.unknown(),
  logprobs: z.number().int().optional(),
  priority: z.number().int().optional(),
});

export interface ScoreRequest {
  readonly model?: string | null | undefined;
  readonly prompt: Uint32Array;
  readonly logprobs?: number | undefined;
  readonly priority?: number | undefined;
}

/** The prompt's token ids, or why they are not valid. */
export function promptIds(value: unknown, maxTokens: number): Uint32Array | string {
  if (!Array.isArray(value)) return 'prompt: expected an array of token ids';
  if (value.length === 0) return 'prompt: prompt is empty';
  if (value.length > maxTokens) return `prompt has ${value.length} tokens, over the limit of ${maxTokens}`;
  const ids = new Uint32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) return `prompt.${i}: expected a token id (a whole number ≥ 0)`;
    ids[i] = id;
  }
  return ids;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

class Unexpected extends Error {}

/**
 * The ids of an array from just after '[' (at a non-space) to just after ']': the hot loop, kept
 * to plain locals. Returns the ids and where it stopped.
 */
function scanIds(body: Uint8Array, from: number, maxTokens: number): [Uint32Array, number] {
  let out = new Uint32Array(4096);
  let count = 0;
  let j = from;
  for (;;) {
    let c = body[j]!;
    while (c === SPACE || c === LF || c === CR || c === TAB) c = body[++j]!;
    const start = j;
    let v = 0;
    while (c >= ZERO && c <= NINE) {
      v = v * 10 + (c - ZERO);
      c = body[++j]!;
    }
    const length = j - start;
    // No digits, a leading zero, or more than fits: let the slow path say what is wrong.
    if (length === 0 || length > 10 || (length > 1 && body[start] === ZERO) || v > 0xffffffff) throw new Unexpected();
    if (count === out.length) {
      if (count >= maxTokens) throw new Unexpected();
      const grown = new Uint32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[count++] = v;
    while (c === SPACE || c === LF || c === CR || c === TAB) c = body[++j]!;
    j++;
    if (c === 0x5d) return [out.subarray(0, count), j];
    if (c !== 0x2c) throw new Unexpected();
  }
}

/** The fast path: a flat object whose prompt is an array of plain integers; throws Unexpected. */
function scan(bytes: Uint8Array, maxTokens: number): Record<string, unknown> {
  // A plain Uint8Array view: element reads on a Buffer subclass are slower.
  const body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  const n = body.length;
  const space = () => {
    while (i < n) {
      const c = body[i]!;
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
      i++;
    }
  };
  const expect = (c: number) => {
    space();
    if (body[i] !== c) throw new Unexpected();
    i++;
  };
  /** A string without escapes, as text. */
  const key = (): string => {
    expect(QUOTE);
    const start = i;
    while (i < n && body[i] !== QUOTE) {
      if (body[i] === BACKSLASH || body[i]! < 0x20) throw new Unexpected();
      i++;
    }
    if (i >= n) throw new Unexpected();
    return Buffer.from(body.buffer, body.byteOffset + start, i++ - start).toString('utf8');
  };
  const ids = (): Uint32Array => {
    expect(0x5b);
    space();
    if (body[i] === 0x5d) {
      i++;
      return new Uint32Array(0);
    }
    const [out, end] = scanIds(body, i, maxTokens);
    i = end;
    return out;
  };
  /** Any other value: a string, number or literal, parsed by JSON.parse on its own. */
  const scalar = (): unknown => {
    space();
    const start = i;
    if (body[i] === QUOTE) {
      i++;
      while (i < n && body[i] !== QUOTE) i += body[i] === BACKSLASH ? 2 : 1;
      if (i >= n) throw new Unexpected();
      i++;
    } else {
      while (i < n && /[-+.\w]/.test(String.fromCharCode(body[i]!))) i++;
    }
    if (i === start) throw new Unexpected();
    try {
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset + start, i - start).toString('utf8'));
    } catch {
      throw new Unexpected();
    }
  };

  const fields: Record<string, unknown> = {};
  expect(0x7b);
  space();
  if (body[i] === 0x7d) i++;
  else {
    for (;;) {
      const name = key();
      expect(0x3a);
      fields[name] = name === 'prompt' ? ids() : scalar();
      space();
      const c = body[i++];
      if (c === 0x7d) break;
      if (c !== 0x2c) throw new Unexpected();
    }
  }
  space();
  if (i !== n) throw new Unexpected();
  return fields;
}

/**
 * The request, or why it is not valid (for a 400 answer). With a decoder, a body that repeats
 * the decoder's reference but for part of its prompt is read from the reference.
 */
export function parseScoreRequest(body: Uint8Array, maxTokens: number, decoder?: ReferenceDecoder): ScoreRequest | string {
  if (decoder === undefined) return readScoreRequest(body, maxTokens);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const known = decoder.decode(bytes);
  if (known !== undefined) {
    if (known.prompt.length === 0) return 'prompt: prompt is empty';
    if (known.prompt.length > maxTokens) return `prompt has ${known.prompt.length} tokens, over the limit of ${maxTokens}`;
    return known;
  }
  const request = readScoreRequest(body, maxTokens);
  if (typeof request !== 'string') decoder.offer(bytes, request);
  return request;
}

function readScoreRequest(body: Uint8Array, maxTokens: number): ScoreRequest | string {
  let fields: Record<string, unknown>;
  let prompt: Uint32Array | string;
  try {
    fields = scan(body, maxTokens);
    if (!(fields.prompt instanceof Uint32Array)) throw new Unexpected();
    prompt = fields.prompt;
    if (prompt.length === 0) return 'prompt: prompt is empty';
    if (prompt.length > maxTokens) return `prompt has ${prompt.length} tokens, over the limit of ${maxTokens}`;
  } catch (error) {
    if (!(error instanceof Unexpected)) throw error;
    try {
      fields = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as Record<string, unknown>;
    } catch {
      return 'request body is not JSON';
    }
    prompt = '';
  }
  const parsed = ScoreRequestSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join('.') || 'body'}: ${issue.message}`;
  }
  if (prompt === '') prompt = promptIds(parsed.data.prompt, maxTokens);
  if (typeof prompt === 'string') return prompt;
  return { model: parsed.data.model, prompt, logprobs: parsed.data.logprobs, priority: parsed.data.priority };
}
