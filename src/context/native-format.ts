// The native format: a context with the token ids of every node, so that an agent written in
// any language can dump its live context and memscope scores exactly the prompt it would send.
import { z } from 'zod';
import { MemoryScores } from './memory-scores.ts';
import { MESSAGE_ROLES, SECTION_NAMES, type AstNode, type Context, type MessageChild } from './context.ts';

export const NATIVE_FORMAT = 'memscope-context';
export const NATIVE_VERSION = 1;

const TokenIds = z.array(z.number().int('token ids are whole numbers').nonnegative('token ids are not negative'));

const ContentNodeSchema = z.strictObject({
  type: z.literal('content'),
  text: z.string(),
  tokens: TokenIds,
});

const MemoryNodeSchema = z.strictObject({
  type: z.literal('memory'),
  key: z.string().min(1, 'a memory key must not be empty'),
  text: z.string(),
  tokens: TokenIds.describe('a memory turn: the whole rendered memory, template wrapping included; a memory among a message\'s children: the ids of its text, exactly as they sit in the message'),
});

const MessageNodeSchema = z.strictObject({
  type: z.literal('message'),
  role: z.enum(MESSAGE_ROLES),
  open: TokenIds.describe('the role header, e.g. <|im_start|>assistant\\n'),
  children: z.array(z.discriminatedUnion('type', [ContentNodeSchema, MemoryNodeSchema])).describe('the message text in pieces; a memory among them is removed alone when it is ablated'),
  close: TokenIds.describe('the end of the turn; its first token is the end-of-turn token, part of a response span'),
  memory_scores: z.record(z.string(), z.number()).optional().describe('assistant messages: divergence per memory key'),
});

const NodeSchema = z.discriminatedUnion('type', [ContentNodeSchema, MemoryNodeSchema, MessageNodeSchema]);

const SectionSchema = z.strictObject({
  name: z.enum(SECTION_NAMES),
  nodes: z.array(NodeSchema),
});

export const NativeContextSchema = z
  .strictObject({
    format: z.literal(NATIVE_FORMAT),
    version: z.literal(NATIVE_VERSION),
    model: z.string().nullable().optional(),
    tokenizer: z.strictObject({
      name: z.string(),
      vocab_size: z.number().int().positive(),
    }),
    template: z.string().describe('the chat template the tokens were rendered with'),
    sections: z.array(SectionSchema).describe('in prompt order: system, identity, journal, conversation; each at most once'),
  })
  .superRefine((context, ctx) => {
    const vocab = context.tokenizer.vocab_size;
    let lastOrder = -1;
    const seen = new Set<string>();
    context.sections.forEach((section, s) => {
      if (seen.has(section.name)) {
        ctx.addIssue({ code: 'custom', path: ['sections', s, 'name'], message: `duplicate section "${section.name}"` });
        return;
      }
      seen.add(section.name);
      const order = SECTION_NAMES.indexOf(section.name);
      if (order < lastOrder) {
        ctx.addIssue({ code: 'custom', path: ['sections', s, 'name'], message: `section "${section.name}" is out of order (expected ${SECTION_NAMES.join(', ')})` });
      }
      lastOrder = order;
      const checkIds = (ids: number[], path: PropertyKey[]) => {
        for (let i = 0; i < ids.length; i++) {
          if (ids[i]! >= vocab) {
            ctx.addIssue({ code: 'custom', path: [...path, i], message: `token id ${ids[i]} is outside the vocabulary (size ${vocab})` });
            return;
          }
        }
      };
      section.nodes.forEach((node, n) => {
        const base = ['sections', s, 'nodes', n];
        if (node.type === 'message') {
          if (node.role === 'assistant' && section.name !== 'conversation') {
            ctx.addIssue({ code: 'custom', path: [...base, 'role'], message: 'assistant messages belong in the conversation section' });
          }
          if (node.memory_scores !== undefined && node.role !== 'assistant') {
            ctx.addIssue({ code: 'custom', path: [...base, 'memory_scores'], message: 'only assistant messages carry memory_scores' });
          }
          if (node.role === 'assistant') {
            const at = node.children.findIndex((child) => child.type === 'memory');
            if (at !== -1) ctx.addIssue({ code: 'custom', path: [...base, 'children', at], message: 'an assistant message is a response: memories go in system, user or tool messages' });
          }
          checkIds(node.open, [...base, 'open']);
          node.children.forEach((child, c) => checkIds(child.tokens, [...base, 'children', c, 'tokens']));
          checkIds(node.close, [...base, 'close']);
        } else {
          checkIds(node.tokens, [...base, 'tokens']);
        }
      });
    });
  })
  .meta({ title: 'memscope native context', description: 'A context with the token ids of every node.' });

export type NativeContext = z.infer<typeof NativeContextSchema>;
type NativeNode = z.infer<typeof NodeSchema>;
type NativeLeaf = z.infer<typeof ContentNodeSchema> | z.infer<typeof MemoryNodeSchema>;

function leaf(node: NativeLeaf): MessageChild {
  if (node.type === 'memory') return { kind: 'memory', key: node.key, text: node.text, tokens: Uint32Array.from(node.tokens) };
  return { kind: 'content', text: node.text, tokens: Uint32Array.from(node.tokens) };
}

function toLeaf(node: MessageChild): NativeLeaf {
  if (node.kind === 'memory') return { type: 'memory', key: node.key, text: node.text, tokens: Array.from(node.tokens) };
  return { type: 'content', text: node.text, tokens: Array.from(node.tokens) };
}

function fromNativeNode(node: NativeNode): AstNode {
  switch (node.type) {
    case 'content':
    case 'memory':
      return leaf(node);
    case 'message':
      return {
        kind: 'message',
        role: node.role,
        open: Uint32Array.from(node.open),
        children: node.children.map(leaf),
        close: Uint32Array.from(node.close),
        memoryScores: new MemoryScores(Object.entries(node.memory_scores ?? {})),
      };
  }
}

export function nativeToContext(native: NativeContext): Context {
  const sections: Context['sections'] = { system: [], identity: [], journal: [], conversation: [] };
  for (const section of native.sections) sections[section.name] = section.nodes.map(fromNativeNode);
  return {
    model: native.model ?? null,
    tokenizer: { name: native.tokenizer.name, vocabSize: native.tokenizer.vocab_size },
    template: native.template,
    sections,
  };
}

function toNativeNode(node: AstNode): NativeNode {
  switch (node.kind) {
    case 'content':
    case 'memory':
      return toLeaf(node);
    case 'message': {
      const out: NativeNode = {
        type: 'message',
        role: node.role,
        open: Array.from(node.open),
        children: node.children.map(toLeaf),
        close: Array.from(node.close),
      };
      if (node.role === 'assistant' && node.memoryScores.size > 0) out.memory_scores = Object.fromEntries(node.memoryScores);
      return out;
    }
  }
}

export function contextToNative(context: Context): NativeContext {
  return {
    format: NATIVE_FORMAT,
    version: NATIVE_VERSION,
    model: context.model,
    tokenizer: { name: context.tokenizer.name, vocab_size: context.tokenizer.vocabSize },
    template: context.template,
    sections: SECTION_NAMES.map((name) => ({ name, nodes: context.sections[name].map(toNativeNode) })),
  };
}
