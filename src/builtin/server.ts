// `memscope serve`: the built-in model over HTTP with the reference's /score wire format, so
// that memscope (or anything else) can score against it as against a real server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BuiltinScorer, PromptError } from './builtin-scorer.ts';
import { MODEL_NAME } from './builtin-model.ts';
import { ReferenceDecoder } from '../scoring/reference-decoder.ts';
import { parseScoreRequest } from '../scoring/score-request.ts';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly latencyMs?: number;
  readonly maxBodyBytes?: number;
  readonly maxPromptTokens?: number;
  /** Resume from the longest prefix shared with recent prompts (default true). */
  readonly prefixReuse?: boolean;
}

/** A 2M-token prompt is ~16 MB of JSON; this leaves room and still refuses floods. */
export const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
export const DEFAULT_MAX_PROMPT = 4_000_000;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** {"scores":[{"total_logprob":n},…]} written directly (the same text JSON.stringify gives for
 *  finite numbers, without an object per response), with the prompt's prefill in OpenAI's
 *  `usage` shape when given: {"prompt_tokens", "prompt_tokens_details": {"cached_tokens"}}. */
export function scoresJson(scores: readonly number[], usage?: { prompt: number; cached: number }): string {
  let text = '{"scores":[';
  for (let i = 0; i < scores.length; i++) text += `${i > 0 ? ',' : ''}{"total_logprob":${JSON.stringify(scores[i])}}`;
  text += ']';
  if (usage !== undefined) text += `,"usage":{"prompt_tokens":${usage.prompt},"prompt_tokens_details":{"cached_tokens":${usage.cached}}}`;
  return `${text}}`;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpProblem(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem(413, `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function createScoreServer(options: Omit<ServeOptions, 'host' | 'port'> = {}): Server {
  const scorer = new BuiltinScorer({ latencyMs: options.latencyMs ?? 0, prefixReuse: options.prefixReuse ?? true });
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxPrompt = options.maxPromptTokens ?? DEFAULT_MAX_PROMPT;
  // A full matrix's requests repeat the baseline's body but for one memory's ids.
  const decoder = new ReferenceDecoder();

  async function score(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseScoreRequest(await readBody(req, maxBody), maxPrompt, decoder);
    if (typeof request === 'string') throw new HttpProblem(400, request);
    const ids = request.prompt;
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    let computed = ids.length;
    const scores = await scorer.scorePrompt(ids, controller.signal, (n) => (computed = n));
    if (!res.destroyed) sendText(res, 200, scoresJson(scores, { prompt: ids.length, cached: ids.length - computed }));
  }

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (path === '/health' || path === '/v1/health') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpProblem(405, 'use GET');
        send(res, 200, { status: 'ok', model: MODEL_NAME });
      } else if (path === '/stats' || path === '/v1/stats') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpProblem(405, 'use GET');
        const { calls, tokensReceived, tokensComputed, tokensReplayed } = scorer.stats();
        send(res, 200, { calls, tokens_received: tokensReceived, tokens_computed: tokensComputed, tokens_replayed: tokensReplayed });
      } else if (path === '/v1/score' || path === '/score') {
        if (req.method !== 'POST') throw new HttpProblem(405, 'use POST');
        await score(req, res);
      } else {
        throw new HttpProblem(404, `no route ${req.method} ${path}`);
      }
    };
    handle().catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof PromptError) {
        send(res, 400, { error: error.message });
      } else if (error instanceof HttpProblem) {
        // Refuse the rest of an oversized body rather than reading it.
        if (error.status === 413) res.setHeader('connection', 'close');
        send(res, error.status, { error: error.message });
      } else if ((error as Error).name !== 'AbortError') {
        send(res, 500, { error: 'internal error' });
      }
    });
  });
}

export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
