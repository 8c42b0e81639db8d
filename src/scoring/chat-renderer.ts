// Rendering chat messages to the model's token ids with the model's own template: the server's
// (vLLM's POST /tokenize with "messages"), or a template file rendered here and tokenized by the
// server's /tokenize as plain text. Both are a RenderIds for the span finder.
import type { ChatTemplate, RenderMessage } from '../context/jinja-template.ts';
import type { RenderIds } from '../context/template-spans.ts';
import { InputError, errorMessage } from '../core/errors.ts';
import { ServerTokenizer, type ServerTokenizerOptions } from './server-tokenizer.ts';
import { routeUrl, serverRoot } from './server-url.ts';

export interface ChatRenderer {
  readonly render: RenderIds;
  close(): Promise<void>;
}

/** The server renders; a server whose /tokenize takes no messages (SGLang's) is refused by probe(). */
export class ServerChatRenderer implements ChatRenderer {
  private readonly tokenizer: ServerTokenizer;

  constructor(private readonly options: ServerTokenizerOptions) {
    this.tokenizer = new ServerTokenizer(options);
  }

  readonly render = (messages: readonly RenderMessage[]): Promise<number[]> => this.tokenizer.tokenizeMessages(messages);

  /** One short chat, to learn before anything else whether this server renders messages at all. */
  async probe(): Promise<void> {
    try {
      await this.render([{ role: 'user', content: 'Which template renders this?' }]);
    } catch (error) {
      throw new InputError(
        `--template server: ${routeUrl(serverRoot(this.options.url), '/tokenize')} does not render chat messages (${errorMessage(error)}); give the model's tokenizer_config.json or chat_template.jinja with --template FILE instead`,
      );
    }
  }

  close(): Promise<void> {
    return this.tokenizer.close();
  }
}

/** A template file renders here; the server's tokenizer reads the text (its special tokens are single ids). */
export class LocalChatRenderer implements ChatRenderer {
  private readonly tokenizer: ServerTokenizer;

  constructor(
    private readonly template: ChatTemplate,
    options: ServerTokenizerOptions,
  ) {
    this.tokenizer = new ServerTokenizer(options);
  }

  readonly render = (messages: readonly RenderMessage[]): Promise<number[]> => this.tokenizer.tokenize(this.template.render(messages));

  close(): Promise<void> {
    return this.tokenizer.close();
  }
}
