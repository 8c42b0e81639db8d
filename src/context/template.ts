// Chat templates: the special tokens that wrap every message. The built-in one is ChatML-like:
//   <|im_start|>{role}\n {content} <|im_end|>\n
// A response's span (the tokens whose logprob counts) is its content plus the end-of-turn
// token (the first token of `close`): the header is given by the template, not predicted, and
// the newline after <|im_end|> is formatting. The built-in scorer and every backend use this.
import { tokenize } from './tokenizer.ts';

export const IM_START = 1;
export const IM_END = 2;

export type TemplateRole = 'system' | 'user' | 'assistant' | 'tool' | 'memory';

export interface Template {
  readonly name: string;
  open(role: TemplateRole): number[];
  readonly close: readonly number[];
  /** What the prompt starts with, before any message (a BOS token); none in the built-in one. */
  readonly prefix?: { readonly text: string; readonly tokens: readonly number[] };
}

export const builtinTemplate: Template = {
  name: 'memscope-chatml',
  open: (role) => [IM_START, ...tokenize(`${role}\n`)],
  close: [IM_END, ...tokenize('\n')],
};
