// Rendering chat messages to the model's token ids with the model's own template: the server's
// (vLLM's POST /tokenize with "messages", "add_generation_prompt": false, "add_special_tokens":
// false: the template writes every special token itself), or a template file rendered here and
// tokenized by the server's /tokenize as plain text. Both are a RenderIds for the span finder.
import type { ChatTemplate, RenderMessage } from '../context/jinja-template.ts';
import type { RenderIds } from '../context/template-spans.ts';
import { InputError, errorMessage } from '../core/errors.ts';
import { Limiter } from '../core/limiter.ts';
import { JsonEndpoint } from './json-endpoint.ts';
import { MAX_TOKENIZE_ANSWER, ServerTokenizer, tokenizeAnswer, tokenizeUrl, type ServerTokenizerOptions } from './server-tokenizer.ts';

export interface ChatRenderer {
  readonly name: string;
  readonly render: RenderIds;
  close(): Promise<void>;
}

/** The server renders: vLLM's /tokenize takes messages; a server whose /tokenize does not is refused by probe(). */
export class ServerChatRenderer implements ChatRenderer {
  readonly name: string;
  private readonly endpoint: JsonEndpoint;
  private readonly limiter: Limiter;

  constructor(private readonly options: ServerTokenizerOptions) {
    this.name = `the server's (${tokenizeUrl(options.url)})`;
    const concurrency = options.concurrency ?? 4;
    this.endpoint = new JsonEndpoint(tokenizeUrl(options.url), { label: 'tokenize API', apiKey: options.apiKey, timeoutMs: options.timeoutMs, connections: concurrency });
    this.limiter = new Limiter(concurrency);
  }

  readonly render = (messages: readonly RenderMessage[]): Promise<number[]> =>
    this.limiter.run(async () => {
      const fields: Record<string, unknown> = { messages, add_generation_prompt: false, add_special_tokens: false };
      if (this.options.model !== null) fields.model = this.options.model;
      const { status, body } = await this.endpoint.post(JSON.stringify(fields), MAX_TOKENIZE_ANSWER, this.options.signal);
      return tokenizeAnswer(status, body);
    });

  /** One short chat, to learn at the start whether this server renders messages at all (SGLang's /tokenize does not). */
  async probe(): Promise<void> {
    try {
      await this.render([{ role: 'user', content: 'Which template renders this?' }]);
    } catch (error) {
      throw new InputError(
        `--template server: ${tokenizeUrl(this.options.url)} does not render chat messages (${errorMessage(error)}); give the model's tokenizer_config.json or chat_template.jinja with --template FILE instead`,
      );
    }
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}

/** A template file renders here; the server's tokenizer reads the text (its special tokens are single ids). */
export class LocalChatRenderer implements ChatRenderer {
  readonly name: string;
  private readonly tokenizer: ServerTokenizer;

  constructor(
    private readonly template: ChatTemplate,
    options: ServerTokenizerOptions,
  ) {
    this.name = template.name;
    this.tokenizer = new ServerTokenizer(options);
  }

  readonly render = (messages: readonly RenderMessage[]): Promise<number[]> => this.tokenizer.tokenize(this.template.render(messages));

  close(): Promise<void> {
    return this.tokenizer.close();
  }
}
