// A model's own chat template, rendered here: a Hugging Face tokenizer_config.json (its
// "chat_template", one string or a list of named ones, and its bos_token/eos_token, a string or
// an added-token object) or a .jinja file (chat_template.jinja, with the BOS/EOS of a
// tokenizer_config.json beside it when there is one). Rendered with @huggingface/jinja as
// transformers' apply_chat_template does: messages, bos_token, eos_token, add_generation_prompt.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { parseJsonFile, readTextFile } from './load-context.ts';

const MAX_TEMPLATE_FILE_BYTES = 16 * 1024 * 1024;

const TokenText = z.union([z.string(), z.object({ content: z.string() }).loose(), z.null()]).optional();

export const TokenizerConfigSchema = z
  .object({
    chat_template: z.union([z.string(), z.array(z.object({ name: z.string(), template: z.string() }))]).optional(),
    bos_token: TokenText,
    eos_token: TokenText,
  })
  .loose();

/** A chat message as a template reads it (the OpenAI fields a template may render). */
export interface RenderMessage {
  readonly role: string;
  readonly content: string;
  readonly name?: string | undefined;
  readonly tool_calls?: readonly unknown[] | undefined;
  readonly tool_call_id?: string | undefined;
}

export interface ChatTemplate {
  /** The file it came from, for messages. */
  readonly name: string;
  readonly bos: string;
  readonly eos: string;
  render(messages: readonly RenderMessage[]): string;
}

function tokenText(value: z.infer<typeof TokenText>): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : value.content;
}

/** The config's template: the only one, or the one named "default" of a list. */
function pickTemplate(path: string, config: z.infer<typeof TokenizerConfigSchema>): string {
  const template = config.chat_template;
  if (template === undefined) throw new InputError(`${path}: no "chat_template" in it (the model's template may be in a chat_template.jinja beside it: give that file)`);
  if (typeof template === 'string') return template;
  const named = template.find((t) => t.name === 'default');
  if (named === undefined) throw new InputError(`${path}: chat_template: a list without a "default" template (it has ${template.map((t) => t.name).join(', ')})`);
  return named.template;
}

/** Whether --template names a model's own template (rendered here) rather than a memscope text template. */
export function isJinjaTemplateFile(spec: string): boolean {
  return spec.endsWith('.jinja') || basename(spec) === 'tokenizer_config.json';
}

export async function loadChatTemplate(path: string): Promise<ChatTemplate> {
  const text = await readTextFile(path, 'chat template', MAX_TEMPLATE_FILE_BYTES);
  if (path.endsWith('.jinja')) {
    const beside = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(beside) ? parseJsonFile(beside, await readTextFile(beside, 'tokenizer config', MAX_TEMPLATE_FILE_BYTES), TokenizerConfigSchema) : {};
    return compileChatTemplate(path, text, tokenText(config.bos_token), tokenText(config.eos_token));
  }
  const config = parseJsonFile(path, text, TokenizerConfigSchema);
  return compileChatTemplate(path, pickTemplate(path, config), tokenText(config.bos_token), tokenText(config.eos_token));
}

/** The error's own message on one line. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

export function compileChatTemplate(name: string, source: string, bos: string, eos: string): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new InputError(`${name}: the chat template does not parse: ${oneLine(error)}`);
  }
  return {
    name,
    bos,
    eos,
    render(messages) {
      try {
        return template.render({ messages, bos_token: bos, eos_token: eos, add_generation_prompt: false });
      } catch (error) {
        throw new InputError(`${name}: the chat template raised: ${oneLine(error)}`);
      }
    },
  };
}
