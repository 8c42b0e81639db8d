// Tokenizing through the scoring server, so that a chat file is scored in the real model's
// vocabulary: vLLM's POST /tokenize at the server's root (not under /v1), one call per distinct
// text, {"model", "prompt", "add_special_tokens": false} -> {"tokens": [...]}. BOS/EOS are never
// added: the template places every special token itself.
import { z } from 'zod';
import type { BatchTokenizer } from '../context/chat-format.ts';
import { ApiCallError, JsonEndpoint, modelRefusal } from './json-endpoint.ts';
import { Limiter } from '../core/limiter.ts';
import { asError } from '../core/errors.ts';
import { routeUrl, serverRoot } from './server-url.ts';

const TokenizeAnswerSchema = z.object({
  tokens: z.array(z.number().int('token ids are whole numbers').nonnegative('token ids are not negative')),
});

export interface ServerTokenizerOptions {
  /** The scoring URL (e.g. http://host:8000/v1); /tokenize is at its root. */
  readonly url: string;
  readonly model: string | null;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** Tokenize calls in flight at once (default: the Limiter's). */
  readonly concurrency?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Far more than the ids of any one text. */
const MAX_TOKENIZE_ANSWER = 64 * 1024 * 1024;

export class ServerTokenizer implements BatchTokenizer {
  readonly name: string;
  private readonly endpoint: JsonEndpoint;
  private readonly limiter: Limiter;

  constructor(private readonly options: ServerTokenizerOptions) {
    this.name = options.model ?? serverRoot(options.url);
    this.endpoint = new JsonEndpoint(routeUrl(serverRoot(options.url), '/tokenize'), { label: 'tokenize API', apiKey: options.apiKey, timeoutMs: options.timeoutMs, concurrency: options.concurrency });
    this.limiter = new Limiter(options.concurrency);
  }

  /** The same server reading every text after `context` (see BatchTokenizer.after). */
  after(context: string): BatchTokenizer {
    let contextIds: Promise<number[]> | undefined;
    const tokenize = async (text: string): Promise<number[]> => {
      if (text === '') return [];
      contextIds ??= this.tokenize(context);
      const [head, ids] = await Promise.all([contextIds, this.tokenize(context + text)]);
      if (!head.every((id, i) => ids[i] === id)) {
        throw new ApiCallError(`the tokenizer does not keep the ids of ${JSON.stringify(context)} at the start of a text that begins with it`);
      }
      return ids.slice(head.length);
    };
    return { name: this.name, tokenizeAll: (texts) => this.batch(texts, tokenize) };
  }

  async tokenize(text: string): Promise<number[]> {
    // Nothing to ask: some servers refuse an empty prompt.
    if (text === '') return [];
    return this.ask({ prompt: text, add_special_tokens: false });
  }

  /**
   * The ids of chat messages rendered with the model's own chat template, by the server (vLLM's
   * /tokenize with "messages"): no generation prompt, nothing added but what the template writes.
   */
  tokenizeMessages(messages: readonly { readonly role: string; readonly content: string }[]): Promise<number[]> {
    return this.limiter.run(() => this.ask({ messages, add_generation_prompt: false, add_special_tokens: false }));
  }

  /** One POST /tokenize with these fields (and the model, when known); its token ids. */
  private async ask(fields: Record<string, unknown>): Promise<number[]> {
    const request = this.options.model !== null ? { ...fields, model: this.options.model } : fields;
    const { status, body } = await this.endpoint.post(JSON.stringify(request), MAX_TOKENIZE_ANSWER, this.options.signal).catch((error: unknown) => {
      throw modelRefusal(error, this.options.model);
    });
    const parsed = TokenizeAnswerSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ApiCallError(`failed to parse tokenize response: ${issue.path.join('.') || 'answer'}: ${issue.message}`, status);
    }
    return parsed.data.tokens;
  }

  /** Every distinct text once, a few calls at a time; after a failure the calls still queued are not made. */
  tokenizeAll(texts: readonly string[]): Promise<Map<string, number[]>> {
    return this.batch(texts, (text) => this.tokenize(text));
  }

  private async batch(texts: readonly string[], tokenize: (text: string) => Promise<number[]>): Promise<Map<string, number[]>> {
    const unique = [...new Set(texts)];
    let failure: unknown;
    const ids = await Promise.all(
      unique.map((text) =>
        this.limiter.run(async () => {
          if (failure !== undefined) throw asError(failure);
          try {
            return await tokenize(text);
          } catch (error) {
            failure ??= error;
            throw error;
          }
        }),
      ),
    );
    return new Map(unique.map((text, i) => [text, ids[i]!]));
  }

  async close(): Promise<void> {
    await this.endpoint.close();
  }
}
