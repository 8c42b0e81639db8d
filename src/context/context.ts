// The in-memory context AST, shaped like the reference agent's: four sections of nodes; leaves
// (plain content, recalled memories) and branches (messages with a role and children). Every
// node knows its token ids; the prompt is all nodes' tokens in section order. A memory is either
// a conversation entry of its own (the reference's memory turn) or a child of a message (a
// memory part: its text inside a system, user or tool message, as agents place recalled memories).

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
  /** A memory turn: the whole rendered memory, template wrapping included. A memory part (a
   *  message's child): the ids of its text, as they sit in the message's ids. */
  readonly tokens: Uint32Array;
}

/** What a message holds: its text, in pieces, some of them memories. */
export type MessageChild = ContentLeaf | MemoryLeaf;

export interface MessageBranch {
  readonly kind: 'message';
  readonly role: MessageRole;
  readonly open: Uint32Array;
  readonly children: readonly MessageChild[];
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

/** Where a memory sits: a memory turn (a conversation entry), or a part of a message. */
export interface MemoryPlace {
  readonly key: string;
  readonly section: SectionName;
  /** The node's index in its section. */
  readonly index: number;
  /** The memory's index among the message's children; undefined for a memory turn. */
  readonly child?: number | undefined;
}

/** Every place a memory sits, in prompt order. */
export function memoryPlaces(context: Context): MemoryPlace[] {
  const places: MemoryPlace[] = [];
  for (const section of SECTION_NAMES) {
    context.sections[section].forEach((node, index) => {
      if (node.kind === 'memory') places.push({ key: node.key, section, index });
      if (node.kind !== 'message') return;
      node.children.forEach((child, c) => {
        if (child.kind === 'memory') places.push({ key: child.key, section, index, child: c });
      });
    });
  }
  return places;
}

/**
 * Unique memory keys in order of first appearance, each with the conversation entry it first
 * appears in. A memory in the system, identity or journal section comes before every entry: its
 * entry is 0 (every response sees it, none is cut off by it).
 */
export function firstMemoryEntries(context: Context): { key: string; entry: number }[] {
  const seen = new Set<string>();
  const refs: { key: string; entry: number }[] = [];
  for (const place of memoryPlaces(context)) {
    if (seen.has(place.key)) continue;
    seen.add(place.key);
    refs.push({ key: place.key, entry: place.section === 'conversation' ? place.index : 0 });
  }
  return refs;
}

/** The conversation entry where `key` first appears (0 for a memory of the fixed sections), or -1. */
export function firstMemoryEntry(context: Context, key: string): number {
  return firstMemoryEntries(context).find((ref) => ref.key === key)?.entry ?? -1;
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
