// The chat format: how people author contexts by hand, and what `memscope import` writes from an
// agent's log. Tokenized on load, with the built-in tokenizer and ChatML-like template, or by a
// server (chatToContextAsync). A message's content is a string or a list of parts, some of them
// memories (content-parts.ts).
import { z } from 'zod';
import type { AstNode, Context, MessageBranch, MessageRole } from './context.ts';
import { ContentSchema, contentChildren, contentText, isMemoryPart, type Content } from './content-parts.ts';
import { InputError } from '../core/errors.ts';
import { MemoryScores } from './memory-scores.ts';
import { builtinTemplate, type Template } from './template.ts';
import { bindTemplate, endOfTurn, renderOpen, type TextTemplate } from './text-template.ts';
import { BUILTIN_VOCAB_SIZE, tokenize } from './tokenizer.ts';

/** `system` in the conversation: a system message the agent sent between turns. */
export const CHAT_ROLES = ['user', 'assistant', 'tool', 'memory', 'system'] as const;

/** A call the assistant made (the OpenAI chat shape): kept, and written into the response's text. */
export const ToolCallSchema = z.strictObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().min(1, 'a tool call needs a function name'),
    arguments: z.string().describe('the arguments as the model wrote them (JSON text)'),
  }),
});

export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ChatMessageSchema = z
  .strictObject({
    role: z.enum(CHAT_ROLES),
    content: ContentSchema,
    key: z.string().min(1, 'a memory key must not be empty').optional(),
    name: z.string().optional().describe('the author\'s name, as an OpenAI log gives it (kept, not rendered)'),
    tool_calls: z.array(ToolCallSchema).optional().describe('assistant: the tool calls it made, rendered after its content'),
    tool_call_id: z.string().optional().describe('tool: the call this result answers (kept, not rendered)'),
  })
  .superRefine((message, ctx) => {
    const a = (role: string) => `${role === 'assistant' ? 'an' : 'a'} ${role}`;
    if (message.role === 'memory' && message.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'a memory needs a "key"' });
    }
    if (message.role !== 'memory' && message.key !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: `"key" is only allowed on memories, not on ${a(message.role)} message` });
    }
    if ((message.role === 'memory' || message.role === 'assistant') && typeof message.content !== 'string') {
      const at = message.content.findIndex(isMemoryPart);
      if (message.role === 'memory' || at !== -1) {
        ctx.addIssue({ code: 'custom', path: ['content', ...(at === -1 ? [] : [at])], message: message.role === 'memory' ? 'a memory turn\'s content is a string' : 'an assistant message is a response: memories go in system, user or tool messages' });
      }
    }
    if (message.tool_calls !== undefined && message.role !== 'assistant') {
      ctx.addIssue({ code: 'custom', path: ['tool_calls'], message: `only assistant messages make tool calls, not ${a(message.role)} message` });
    }
    if (message.tool_call_id !== undefined && message.role !== 'tool') {
      ctx.addIssue({ code: 'custom', path: ['tool_call_id'], message: `only tool messages answer a call, not ${a(message.role)} message` });
    }
  });

export const ChatContextSchema = z
  .strictObject({
    model: z.string().optional(),
    system: ContentSchema.optional(),
    identity: z.array(ContentSchema).optional(),
    journal: z.array(ContentSchema).optional(),
    conversation: z.array(ChatMessageSchema).min(1, 'the conversation is empty'),
  })
  .superRefine((chat, ctx) => {
    // One key is one memory: a key whose parts hold different texts would be removed as one.
    const texts = new Map<string, { text: string; part: boolean }>();
    for (const { key, text, part, path } of chatMemories(chat)) {
      const seen = texts.get(key);
      if (seen === undefined) texts.set(key, { text, part });
      // Memory turns may repeat a key with new text, as the reference's do; parts may not.
      else if (seen.text !== text && (part || seen.part)) {
        ctx.addIssue({ code: 'custom', path, message: `memory "${key}" is used for two different texts; give each its own key` });
        return;
      }
    }
  })
  .meta({ title: 'memscope chat context', description: 'The authoring format: plain text, tokenized by memscope on load.' });

export type ChatContext = z.infer<typeof ChatContextSchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Every memory of a chat, turns and parts, with its JSON path, in prompt order. */
export function chatMemories(chat: ChatContext): { key: string; text: string; part: boolean; path: PropertyKey[] }[] {
  const out: { key: string; text: string; part: boolean; path: PropertyKey[] }[] = [];
  const parts = (content: Content, path: PropertyKey[]) => {
    if (typeof content === 'string') return;
    content.forEach((part, i) => {
      if (isMemoryPart(part)) out.push({ key: part.memory, text: part.text, part: true, path: [...path, i] });
    });
  };
  if (chat.system !== undefined) parts(chat.system, ['system']);
  for (const section of ['identity', 'journal'] as const) chat[section]?.forEach((content, i) => parts(content, [section, i]));
  chat.conversation.forEach((message, i) => {
    if (message.role === 'memory') out.push({ key: message.key!, text: contentText(message.content), part: false, path: ['conversation', i] });
    else parts(message.content, ['conversation', i, 'content']);
  });
  return out;
}

export interface Encoder {
  readonly name: string;
  readonly vocabSize: number;
  encode(text: string): number[];
}

export const builtinEncoder: Encoder = { name: 'memscope-builtin', vocabSize: BUILTIN_VOCAB_SIZE, encode: tokenize };

/**
 * The text of an assistant's tool calls, after its content, in the form chat templates for tool
 * use (Hermes, Qwen 2.5) give them: one <tool_call> element per call holding its name and
 * arguments as JSON. What the model wrote is what its response is scored on.
 */
export function toolCallsText(calls: readonly ToolCall[], content: string): string {
  return calls
    .map((call) => {
      let args: unknown = call.function.arguments;
      try {
        args = JSON.parse(call.function.arguments);
      } catch {
        // Not JSON: kept as the string the model wrote.
      }
      return `${content === '' ? '' : '\n'}<tool_call>\n${JSON.stringify({ name: call.function.name, arguments: args })}\n</tool_call>`;
    })
    .join('');
}

function message(role: MessageRole, content: Content, encoder: Encoder, template: Template, place: PropertyKey[], calls?: readonly ToolCall[]): MessageBranch {
  const children = contentChildren(content, (text) => encoder.encode(text), place);
  if (calls !== undefined && calls.length > 0) {
    const text = toolCallsText(calls, contentText(content));
    children.push({ kind: 'content', text, tokens: Uint32Array.from(encoder.encode(text)) });
  }
  return {
    kind: 'message',
    role,
    open: Uint32Array.from(template.open(role)),
    children,
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
  if (chat.system !== undefined) system.push(message('system', chat.system, encoder, template, ['system']));
  const identity = (chat.identity ?? []).map((text, i) => message('system', text, encoder, template, ['identity', i]));
  const journal = (chat.journal ?? []).map((text, i) => message('system', text, encoder, template, ['journal', i]));
  const conversation: AstNode[] = chat.conversation.map((entry, i) => {
    if (entry.role !== 'memory') return message(entry.role, entry.content, encoder, template, ['conversation', i, 'content'], entry.tool_calls);
    const text = contentText(entry.content);
    return { kind: 'memory', key: entry.key!, text, tokens: memoryTokens(entry.key!, text, encoder, template) };
  });
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
  /**
   * The same tokenizer reading every text as if `context` came before it (its ids left out):
   * for tokenizers that mark the start of every separate call (SentencePiece's "▁").
   */
  after?(context: string): BatchTokenizer;
}

/** A short chat rendered by the template: its pieces, tokenized one by one, must give the whole text's ids. */
export function alignmentProbe(template: TextTemplate): { pieces: string[]; whole: string } {
  const pieces = [
    renderOpen(template, 'user'),
    'Probe: which ids does a piece get?',
    template.close,
    renderOpen(template, 'assistant'),
    'Words after a header.',
    template.close,
  ];
  return { pieces, whole: `${template.bos ?? ''}${pieces.join('')}` };
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Whether the pieces' ids, end to end, are the whole text's. */
function aligned(probe: { pieces: string[]; whole: string }, template: TextTemplate, pieces: ReadonlyMap<string, readonly number[]>, whole: readonly number[]): boolean {
  const joined = [...(template.bos !== undefined ? pieces.get(template.bos)! : []), ...probe.pieces.flatMap((p) => pieces.get(p)!)];
  return sameIds(joined, whole);
}

/**
 * Ids for every text such that a chat's pieces, end to end, are the ids of its whole rendered
 * text. Piece by piece works for byte-level BPE; a tokenizer that adds a word-start marker to
 * every separate call (SentencePiece) gives the content after a header another first id than
 * the whole text does. Then each piece is read after a newline (every piece follows one, or a
 * special token, in the templates), checked again on the probe, and refused if still not equal.
 */
async function alignedIds(
  tokenizer: BatchTokenizer,
  template: TextTemplate,
  texts: readonly string[],
  probe: { pieces: string[]; whole: string },
  ids: ReadonlyMap<string, readonly number[]>,
): Promise<ReadonlyMap<string, readonly number[]>> {
  const whole = ids.get(probe.whole)!;
  if (aligned(probe, template, ids, whole)) return ids;
  const refusal = (why: string) =>
    new InputError(
      `--tokenizer server: the server's tokenizer gives the pieces of a chat other ids than the whole text (it marks the start of every separate call, as SentencePiece does), ${why}; convert the chat with the model's own tokenizer into a native context instead`,
    );
  if (tokenizer.after === undefined) throw refusal('and it cannot be asked otherwise');
  let shifted: ReadonlyMap<string, readonly number[]>;
  try {
    shifted = await tokenizer.after('\n').tokenizeAll([...new Set([...texts, ...probe.pieces])]);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw refusal(`and reading each piece after a newline fails too (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!aligned(probe, template, shifted, whole)) throw refusal('even with each piece read after a newline');
  return shifted;
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
  const probe = alignmentProbe(template);
  const plain = await tokenizer.tokenizeAll([...new Set([...texts, ...probe.pieces, probe.whole])]);
  checkSpecialTokens(template, plain);
  const ids = await alignedIds(tokenizer, template, [...texts], probe, plain);
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
