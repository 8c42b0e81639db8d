// Chat templates written as text, for a tokenizer that lives on a server. The special tokens are
// spelled out ("<|im_start|>") and the server's tokenizer turns each into its one id, as a
// Hugging Face tokenizer does with added special tokens (they are never split, whatever
// add_special_tokens says; that flag only adds BOS/EOS). A template is bound to an encoder to give
// the token-level Template that chatToContext renders with.
//
// A response's span is, as with the built-in template, its content plus the first token of
// `close`, so `close` must begin with a special token: <|im_end|> for chatml, <|eot_id|> for llama3.
import { z } from 'zod';
import type { Template, TemplateRole } from './template.ts';

const RoleName = z.string().min(1, 'a role name must not be empty');

export const TemplateFileSchema = z
  .strictObject({
    name: z.string().min(1, 'the template needs a name'),
    bos: z.string().min(1).optional().describe('text before the first message, e.g. "<|begin_of_text|>"'),
    open: z.string().describe('the header of every message; {role} stands for the role name'),
    close: z.string().min(1).describe('the end of every message; it begins with the end-of-turn special token, which counts in a response span'),
    roles: z
      .strictObject({ system: RoleName, user: RoleName, assistant: RoleName, tool: RoleName, memory: RoleName })
      .partial()
      .optional()
      .describe('role names written into headers where they differ from memscope\'s (a recalled memory is a "memory" turn)'),
    special_tokens: z.array(z.string().min(1)).min(1, 'list the special tokens the template uses').describe('each must be a single token of the model'),
  })
  .superRefine((template, ctx) => {
    if (!template.special_tokens.some((token) => template.close.startsWith(token))) {
      ctx.addIssue({ code: 'custom', path: ['close'], message: 'must begin with one of special_tokens (the end-of-turn token)' });
    }
  })
  .meta({ title: 'memscope chat template', description: 'How chat-format input is rendered as text for a server-side tokenizer.' });

export type TextTemplate = z.infer<typeof TemplateFileSchema>;

export const BUILTIN_TEXT_TEMPLATES: Readonly<Record<string, TextTemplate>> = {
  chatml: {
    name: 'chatml',
    open: '<|im_start|>{role}\n',
    close: '<|im_end|>\n',
    special_tokens: ['<|im_start|>', '<|im_end|>'],
  },
  llama3: {
    name: 'llama3',
    bos: '<|begin_of_text|>',
    open: '<|start_header_id|>{role}<|end_header_id|>\n\n',
    close: '<|eot_id|>',
    roles: { tool: 'ipython' },
    special_tokens: ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
  },
};

export function renderOpen(template: TextTemplate, role: TemplateRole): string {
  return template.open.replaceAll('{role}', template.roles?.[role] ?? role);
}

/** The special token `close` begins with: its id is the end-of-turn token. */
export function endOfTurn(template: TextTemplate): string {
  // The longest match, should one special token be a prefix of another.
  return template.special_tokens.filter((token) => template.close.startsWith(token)).sort((a, b) => b.length - a.length)[0]!;
}

/** The token-level template, with every piece of text encoded by `encode`. */
export function bindTemplate(template: TextTemplate, encode: (text: string) => readonly number[]): Template {
  return {
    name: template.name,
    open: (role) => [...encode(renderOpen(template, role))],
    close: [...encode(template.close)],
    ...(template.bos !== undefined ? { prefix: { text: template.bos, tokens: [...encode(template.bos)] } } : {}),
  };
}
