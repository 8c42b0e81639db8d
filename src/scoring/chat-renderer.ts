// Rendering chat messages to the model's token ids with the model's own template: the server's
// (vLLM's POST /tokenize with "messages"), or a template file rendered here and tokenized by the
// server's /tokenize as plain text. Both are a RenderIds for the span finder.
import type { ChatTemplate, RenderMessage } from '../context/jinja-template.ts';
import type { BatchTokenizer } from '../context/chat-format.ts';
import type { RenderIds, TextIds } from '../context/template-spans.ts';
import { InputError, errorMessage } from '../core/errors.ts';
import { ServerTokenizer, type ServerTokenizerOptions } from './server-tokenizer.ts';
import { routeUrl, serverRoot } from './server-url.ts';

export interface ChatRenderer {
  readonly render: RenderIds;
  /** The same tokenizer on plain text: a memory's text on its own, for the span finder's check. */
  readonly textIds: TextIds;
  close(): Promise<void>;
}

/** What both renderers share: the server's tokenizer, for plain text and to close. */
abstract class ServerTokenized {
  protected readonly tokenizer: ServerTokenizer;
  private afterNewline: BatchTokenizer | undefined;

  constructor(options: ServerTokenizerOptions) {
    this.tokenizer = new ServerTokenizer(options);
  }

  readonly textIds = async (text: string, afterNewline: boolean): Promise<readonly number[]> => {
    if (!afterNewline) return this.tokenizer.tokenize(text);
    this.afterNewline ??= this.tokenizer.after('\n');
    return (await this.afterNewline.tokenizeAll([text])).get(text)!;
  };

  close(): Promise<void> {
    return this.tokenizer.close();
  }
}

/** The server renders; a server whose /tokenize takes no messages (SGLang's) is refused by probe(). */
export class ServerChatRenderer extends ServerTokenized implements ChatRenderer {
  constructor(private readonly options: ServerTokenizerOptions) {
    super(options);
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
}

/** A template file renders here; the server's tokenizer reads the text (its special tokens are single ids). */
export class LocalChatRenderer extends ServerTokenized implements ChatRenderer {
  constructor(
    private readonly template: ChatTemplate,
    options: ServerTokenizerOptions,
  ) {
    super(options);
  }

  readonly render = (messages: readonly RenderMessage[]): Promise<number[]> => this.tokenizer.tokenize(this.template.render(messages));
}
