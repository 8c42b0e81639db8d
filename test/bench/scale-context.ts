// The scale context of the benchmark, generated (not committed): a long agent session with
// 1,000 memories, 5,000 responses and about 2M tokens. Seeded, so every run scores the same
// context. Tool output carries ids and numbers that rarely repeat, as real logs do, so the
// model's count tables grow as they would on a real conversation.
import { chatToContext, type ChatContext } from '../../src/context/chat-format.ts';
import type { Context } from '../../src/context/context.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';

export interface ScaleOptions {
  readonly memories: number;
  readonly responses: number;
  /** Roughly this many tokens in all (tool output is sized to reach it). */
  readonly tokens: number;
  readonly seed?: number;
}

export const SCALE: ScaleOptions = { memories: 1000, responses: 5000, tokens: 2_000_000 };

/** The bench's sizes: the scale context, and smaller ones for smoke runs and tests. */
export const SCALE_SIZES = {
  full: SCALE,
  quick: { memories: 200, responses: 1000, tokens: 400_000 },
  tiny: { memories: 10, responses: 30, tokens: 6_000 },
} satisfies Record<string, ScaleOptions>;
export type ScaleSize = keyof typeof SCALE_SIZES;

const SERVICES = ['billing', 'search', 'auth', 'media', 'ledger', 'notifier', 'reports', 'geo', 'cart', 'inventory', 'flags', 'audit', 'limiter', 'email', 'pdf', 'sessions', 'metrics', 'cdn', 'webhooks', 'tax'];
const PEOPLE = ['Maya', 'Tomas', 'Priya', 'Jonas', 'Aiko', 'Farid', 'Lena', 'Osei', 'Carmen', 'Dmitri', 'Noor', 'Hugo'];
const WORDS = ['the', 'build', 'passed', 'after', 'retry', 'cache', 'warm', 'latency', 'spike', 'rolled', 'back', 'queue', 'drained', 'index', 'rebuilt', 'shard', 'moved', 'config', 'reloaded', 'alert', 'cleared', 'disk', 'pressure', 'ok', 'worker', 'restarted', 'lease', 'renewed'];

export function scaleChat(options: ScaleOptions): ChatContext {
  const random = seededRandom(options.seed ?? 2026);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const hex = () => Math.floor(random() * 0xffffffff).toString(16);
  const memories = Array.from({ length: options.memories }, (_, i) => {
    const service = SERVICES[i % SERVICES.length]!;
    const fact = `${service} shard ${i} listens on port ${7000 + ((i * 37) % 2000)}, owner ${pick(PEOPLE)}, runbook rb-${hex()}, config /etc/${service}/${i}/conf.toml`;
    return { key: `mem-${i}-${service}`, content: `Note ${i}: ${fact}.`, restatement: `From my notes: ${fact}. I would start there.`, question: `What do we know about ${service} shard ${i}?` };
  });
  // Tool output carries the rest of the token budget (a line is about 5.8 tokens, the rest of a
  // turn about 60).
  const perTurn = options.tokens / options.responses;
  const toolLines = Math.max(1, Math.round((perTurn - 60) / 5.8));
  const conversation: ChatContext['conversation'] = [];
  const introduced: typeof memories = [];
  let next = 0;
  for (let turn = 0; turn < options.responses; turn++) {
    const due = Math.min(options.memories, Math.ceil(((turn + 1) * options.memories) / Math.floor(options.responses * 0.8)));
    const recalled: typeof memories = [];
    while (next < due) {
      recalled.push(memories[next]!);
      introduced.push(memories[next++]!);
    }
    if (introduced.length > 3 && random() < 0.15) recalled.push(pick(introduced));
    const used = recalled.length > 0 && random() < 0.6 ? pick(recalled) : undefined;
    conversation.push({ role: 'user', content: used?.question ?? `Status of ${pick(SERVICES)} after job ${hex()}?` });
    for (const m of recalled) conversation.push({ role: 'memory', key: m.key, content: m.content });
    const lines: string[] = [];
    for (let l = 0; l < toolLines; l++) lines.push(`${hex()} ${pick(SERVICES)} ${pick(WORDS)} ${pick(WORDS)} ${Math.floor(random() * 10000)}ms`);
    conversation.push({ role: 'tool', content: lines.join('\n') });
    conversation.push({ role: 'assistant', content: used?.restatement ?? `The ${pick(SERVICES)} job ${pick(WORDS)} ${pick(WORDS)}; nothing to do.` });
  }
  return {
    model: 'memscope-builtin',
    system: 'You are Ada, a coding agent. Answer briefly and cite what you remember.',
    identity: ['Ada keeps notes on services and recalls them when relevant.'],
    journal: ['A long session on the platform team.'],
    conversation,
  };
}

export function scaleContext(options: ScaleOptions = SCALE): Context {
  return chatToContext(scaleChat(options));
}
