// The chat format: how people author contexts by hand. Tokenized with the built-in tokenizer
// and ChatML-like template on load.
import { z } from 'zod';
import type { AstNode, Context, ContentLeaf, MessageBranch, MessageRole } from './context.ts';
import { builtinTemplate, type Template } from './template.ts';
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
      ctx.addIssue({ code: 'custom', path: ['key'], message: `"key" is only allowed on memories, not on a ${message.role} message` });
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
    memoryScores: new Map(),
  };
}

/** A memory renders as its own turn: the key on the first line, then the text. */
export function memoryTokens(key: string, text: string, encoder: Encoder, template: Template): Uint32Array {
  return Uint32Array.from([...template.open('memory'), ...encoder.encode(`${key}\n${text}`), ...template.close]);
}

export function chatToContext(chat: ChatContext, encoder: Encoder = builtinEncoder, template: Template = builtinTemplate): Context {
  const system: AstNode[] = chat.system !== undefined ? [message('system', chat.system, encoder, template)] : [];
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
