// An independent, sequential re-implementation of the reference's scoring (training.rs) over
// plain arrays, used by tests to check the engine's calls and numbers. It shares nothing with
// src/ but the Context type and the ability to score one prompt.
import type { AstNode, Context } from '../../src/context/context.ts';

export type ScoreFn = (prompt: number[]) => Promise<number[]>;

function ids(node: AstNode): number[] {
  if (node.kind !== 'message') return [...node.tokens];
  return [...node.open, ...node.children.flatMap((c) => [...c.tokens]), ...node.close];
}

type RefFilter = { skipKey?: string; skipAllMemories?: boolean };

export function refTokens(ctx: Context, start: number, end: number, filter: RefFilter = {}): number[] {
  const out: number[] = [];
  for (const n of [...ctx.sections.system, ...ctx.sections.identity, ...ctx.sections.journal]) out.push(...ids(n));
  const entries = ctx.sections.conversation;
  for (let i = start; i < end; i++) {
    const n = entries[i]!;
    if (filter.skipKey !== undefined && n.kind === 'memory' && n.key === filter.skipKey) continue;
    if (filter.skipAllMemories && n.kind === 'memory') continue;
    out.push(...ids(n));
  }
  return out;
}

const isAssistant = (n: AstNode) => n.kind === 'message' && n.role === 'assistant';

function div(base: number[], without: number[]): number[] {
  return base.map((b, i) => Math.max(0, b - (without[i] ?? b)));
}

export async function refFull(ctx: Context, score: ScoreFn) {
  const entries = ctx.sections.conversation;
  const keys: string[] = [];
  for (const n of entries) if (n.kind === 'memory' && !keys.includes(n.key)) keys.push(n.key);
  const responses = entries.flatMap((n, i) => (isAssistant(n) ? [i] : []));
  if (keys.length === 0 || responses.length === 0) return { keys, responses, baseline: [] as number[], matrix: [] as number[][] };
  const baseline = await score(refTokens(ctx, 0, entries.length));
  const matrix: number[][] = [];
  for (const key of keys) matrix.push(div(baseline, await score(refTokens(ctx, 0, entries.length, { skipKey: key }))));
  return { keys, responses, baseline, matrix };
}

function nthEnd(entries: readonly AstNode[], start: number, n: number): number {
  let count = 0;
  for (let i = start; i < entries.length; i++) if (isAssistant(entries[i]!) && ++count >= n) return i + 1;
  return entries.length;
}

export async function refSingle(ctx: Context, key: string, score: ScoreFn): Promise<number> {
  const entries = ctx.sections.conversation;
  const first = entries.findIndex((n) => n.kind === 'memory' && n.key === key);
  if (first < 0) return 0;
  const end = nthEnd(entries, first, 50);
  if (!entries.slice(first, end).some(isAssistant)) return 0;
  const base = await score(refTokens(ctx, first, end));
  const without = await score(refTokens(ctx, first, end, { skipKey: key }));
  return div(base, without).reduce((a, b) => a + b, 0);
}

export async function refFinetune(ctx: Context, count: number, score: ScoreFn) {
  const entries = ctx.sections.conversation;
  const start = Math.max(0, entries.length - count);
  const positions = entries.flatMap((n, i) => (i >= start && isAssistant(n) ? [i] : []));
  if (positions.length === 0) return [];
  const base = await score(refTokens(ctx, start, entries.length));
  const without = await score(refTokens(ctx, start, entries.length, { skipAllMemories: true }));
  const d = div(base, without);
  return positions.map((entry, i) => ({ entry, divergence: d[i] ?? 0 })).sort((a, b) => b.divergence - a.divergence);
}
