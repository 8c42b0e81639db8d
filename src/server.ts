// `memscope serve`: the built-in model over HTTP with the reference's /score wire format, so
// that memscope (or anything else) can score against it as against a real server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { BuiltinScorer } from './builtin-scorer.ts';
import { MODEL_NAME, assistantSpans } from './builtin-model.ts';
import { builtinTemplate } from './template.ts';

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

// The prompt is checked by hand (promptIds): a schema check of a 40k-element array costs more
// than scoring it with prefix reuse.
const ScoreRequestSchema = z.object({
  model: z.string().nullable().optional(),
  prompt: z.unknown(),
  logprobs: z.number().int().optional(),
  priority: z.number().int().optional(),
});

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

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpProblem(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem(413, `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createScoreServer(options: Omit<ServeOptions, 'host' | 'port'> = {}): Server {
  const scorer = new BuiltinScorer({ latencyMs: options.latencyMs ?? 0, prefixReuse: options.prefixReuse ?? true });
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxPrompt = options.maxPromptTokens ?? DEFAULT_MAX_PROMPT;
  const header = builtinTemplate.open('assistant');

  async function score(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, maxBody);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpProblem(400, 'request body is not JSON');
    }
    const parsed = ScoreRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpProblem(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const ids = promptIds(parsed.data.prompt, maxPrompt);
    if (typeof ids === 'string') throw new HttpProblem(400, ids);
    const problem = scorer.checkPrompt(ids);
    if (problem !== undefined) throw new HttpProblem(400, problem);
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const expected = assistantSpans(ids, header).length;
    const scores = await scorer.score({ prompt: ids, expected, signal: controller.signal });
    if (!res.destroyed) send(res, 200, { scores: scores.map((total_logprob) => ({ total_logprob })) });
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
      if (error instanceof HttpProblem) {
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
