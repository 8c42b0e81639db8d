// The chat format: how people author contexts by hand. Tokenized on load, with the built-in
// tokenizer and ChatML-like template, or by a server (chatToContextAsync).
import { z } from 'zod';
import type { AstNode, Context, ContentLeaf, MessageBranch, MessageRole } from './context.ts';
import { InputError } from '../core/errors.ts';
import { MemoryScores } from './memory-scores.ts';
import { builtinTemplate, type Template } from './template.ts';
import { bindTemplate, endOfTurn, type TextTemplate } from './text-template.ts';
import { BUILTIN_VOCAB_SIZE, tokenize } from './tokenizer.ts';

export const CHAT_ROLES = ['user', 'assistant', 'tool', 'memory'] as const;

export const ChatMessageSchema = z
  .strictObject({
    role: z.enum(CHAT_ROLES),
    content: z.string(),
    key: z.string().min(1, 'a memory key must not be empty').optional(),
  })
  .superRefine((message, ctx) => {
    if (message.role === 'memory' && message.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'a memory needs a "key"' });
    }
    if (message.role !== 'memory' && message.key !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: `"key" is only allowed on memories, not on ${message.role === 'assistant' ? 'an' : 'a'} ${message.role} message` });
    }
  });

export const ChatContextSchema = z
  .strictObject({
    model: z.string().optional(),
    system: z.string().optional(),
    identity: z.array(z.string()).optional(),
    journal: z.array(z.string()).optional(),
    conversation: z.array(ChatMessageSchema).min(1, 'the conversation is empty'),
  })
  .meta({ title: 'memscope chat context', description: 'The authoring format: plain text, tokenized by memscope on load.' });

export type ChatContext = z.infer<typeof ChatContextSchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export interface Encoder {
  readonly name: string;
  readonly vocabSize: number;
  encode(text: string): number[];
}

export const builtinEncoder: Encoder = { name: 'memscope-builtin', vocabSize: BUILTIN_VOCAB_SIZE, encode: tokenize };

function content(text: string, encoder: Encoder): ContentLeaf {
  return { kind: 'content', text, tokens: Uint32Array.from(encoder.encode(text)) };
}

function message(role: MessageRole, text: string, encoder: Encoder, template: Template): MessageBranch {
  return {
    kind: 'message',
    role,
    open: Uint32Array.from(template.open(role)),
    children: [content(text, encoder)],
    close: Uint32Array.from(template.close),
    memoryScores: new MemoryScores(),
  };
}

/** A memory renders as its own turn: the key on the first line, then the text. */
export function memoryTokens(key: string, text: string, encoder: Encoder, template: Template): Uint32Array {
  return Uint32Array.from([...template.open('memory'), ...encoder.encode(`${key}\n${text}`), ...template.close]);
}

export function chatToContext(chat: ChatContext, encoder: Encoder = builtinEncoder, template: Template = builtinTemplate): Context {
  const system: AstNode[] = [];
  if (template.prefix !== undefined) system.push({ kind: 'content', text: template.prefix.text, tokens: Uint32Array.from(template.prefix.tokens) });
  if (chat.system !== undefined) system.push(message('system', chat.system, encoder, template));
  const identity = (chat.identity ?? []).map((text) => message('system', text, encoder, template));
  const journal = (chat.journal ?? []).map((text) => message('system', text, encoder, template));
  const conversation: AstNode[] = chat.conversation.map((entry) =>
    entry.role === 'memory'
      ? { kind: 'memory', key: entry.key!, text: entry.content, tokens: memoryTokens(entry.key!, entry.content, encoder, template) }
      : message(entry.role, entry.content, encoder, template),
  );
  return {
    model: chat.model ?? null,
    tokenizer: { name: encoder.name, vocabSize: encoder.vocabSize },
    template: template.name,
    sections: { system, identity, journal, conversation },
  };
}

/** A tokenizer that takes many texts at once, such as a server's: ids for every text asked. */
export interface BatchTokenizer {
  readonly name: string;
  tokenizeAll(texts: readonly string[]): Promise<ReadonlyMap<string, readonly number[]>>;
}

/** Every special token must come back as one id, or the model does not use this template. */
function checkSpecialTokens(template: TextTemplate, ids: ReadonlyMap<string, readonly number[]>): void {
  for (const token of template.special_tokens) {
    const got = ids.get(token)!;
    if (got.length !== 1) {
      throw new InputError(
        `template "${template.name}": the tokenizer reads its special token ${JSON.stringify(token)} as ${got.length} tokens, not one; the model does not use this template (see --template)`,
      );
    }
  }
  const eot = ids.get(endOfTurn(template))![0];
  if (ids.get(template.close)![0] !== eot) {
    throw new InputError(`template "${template.name}": the tokenizer does not begin ${JSON.stringify(template.close)} with the end-of-turn token`);
  }
}

/**
 * chatToContext with an asynchronous tokenizer. A first pass records every text chatToContext
 * encodes (headers, contents, memories), the tokenizer takes them all at once, and a second pass
 * builds the context from its answers: the rendering is chatToContext's either way.
 */
export async function chatToContextAsync(chat: ChatContext, tokenizer: BatchTokenizer, template: TextTemplate): Promise<Context> {
  const texts = new Set<string>(template.special_tokens);
  const record = (text: string): number[] => {
    texts.add(text);
    return [];
  };
  chatToContext(chat, { name: tokenizer.name, vocabSize: 1, encode: record }, bindTemplate(template, record));
  const ids = await tokenizer.tokenizeAll([...texts]);
  checkSpecialTokens(template, ids);
  // The server does not say its vocabulary size: the smallest one that holds every id seen.
  let maxId = 0;
  for (const list of ids.values()) for (const id of list) if (id > maxId) maxId = id;
  const lookup = (text: string): number[] => {
    const found = ids.get(text);
    if (found === undefined) throw new Error(`text was not tokenized in the first pass: ${JSON.stringify(text.slice(0, 40))}`);
    return [...found];
  };
  return chatToContext(chat, { name: tokenizer.name, vocabSize: maxId + 1, encode: lookup }, bindTemplate(template, lookup));
}
