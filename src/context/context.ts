// The in-memory context AST, shaped like the reference agent's: four sections of nodes; leaves
// (plain content, recalled memories) and branches (messages with a role and children). Every
// node knows its token ids; the prompt is all nodes' tokens in section order.

import type { MemoryScores } from './memory-scores.ts';

export const SECTION_NAMES = ['system', 'identity', 'journal', 'conversation'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export const MESSAGE_ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export interface ContentLeaf {
  readonly kind: 'content';
  readonly text: string;
  readonly tokens: Uint32Array;
}

export interface MemoryLeaf {
  readonly kind: 'memory';
  readonly key: string;
  readonly text: string;
  /** The whole rendered memory, template wrapping included. */
  readonly tokens: Uint32Array;
}

export interface MessageBranch {
  readonly kind: 'message';
  readonly role: MessageRole;
  readonly open: Uint32Array;
  readonly children: readonly ContentLeaf[];
  readonly close: Uint32Array;
  /** Assistant messages only: divergence of each memory key on this response (> 0.01 kept). */
  readonly memoryScores: MemoryScores;
}

export type AstNode = ContentLeaf | MemoryLeaf | MessageBranch;

export interface Context {
  model: string | null;
  tokenizer: { name: string; vocabSize: number };
  template: string;
  sections: Record<SectionName, AstNode[]>;
}

export function isMemory(node: AstNode): node is MemoryLeaf {
  return node.kind === 'memory';
}

export function memoryKey(node: AstNode): string | undefined {
  return node.kind === 'memory' ? node.key : undefined;
}

export function isAssistant(node: AstNode): node is MessageBranch {
  return node.kind === 'message' && node.role === 'assistant';
}

export function tokenCount(node: AstNode): number {
  if (node.kind !== 'message') return node.tokens.length;
  let n = node.open.length + node.close.length;
  for (const child of node.children) n += child.tokens.length;
  return n;
}

/** Copies the node's tokens into `out` at `offset`; returns the offset after them. */
export function writeTokens(node: AstNode, out: Uint32Array, offset: number): number {
  if (node.kind !== 'message') {
    out.set(node.tokens, offset);
    return offset + node.tokens.length;
  }
  out.set(node.open, offset);
  offset += node.open.length;
  for (const child of node.children) {
    out.set(child.tokens, offset);
    offset += child.tokens.length;
  }
  out.set(node.close, offset);
  return offset + node.close.length;
}

/** The plain text of a node, for display. */
export function nodeText(node: AstNode): string {
  if (node.kind !== 'message') return node.text;
  return node.children.map((c) => c.text).join('');
}

/** A response's tokens that carry its logprob: content plus the end-of-turn token. */
export function responseSpanLength(node: MessageBranch): number {
  let n = node.close.length > 0 ? 1 : 0;
  for (const child of node.children) n += child.tokens.length;
  return n;
}
