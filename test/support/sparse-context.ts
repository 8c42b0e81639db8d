// Generated contexts where a known few memories matter: every `every`-th memory is restated by
// the response right after it (and, for some, again by a response further on); the others are
// random words no response uses. With the built-in model the restated memories move their
// responses by tens of nats and the rest by far less than 1.
import type { ChatContext, ChatMessage } from '../../src/context/chat-format.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';

const WORDS = [
  'amber', 'basalt', 'cobalt', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'jasper', 'kelp', 'lumen', 'marble', 'nectar',
  'onyx', 'prism', 'quartz', 'raven', 'sable', 'tundra', 'umber', 'violet', 'willow', 'xenon', 'yarrow', 'zephyr', 'copper', 'falcon',
  'glacier', 'heron', 'iris', 'juniper', 'kestrel', 'lichen', 'meadow', 'nimbus', 'orchid', 'pebble', 'quill', 'ridge',
];
const ANSWERS = [
  'I re-ran the failing check and it passed; it was a flaky timeout.',
  'The change compiles and the unit tests pass locally.',
  'I could not reproduce that on main; which commit were you on?',
  'I suggest splitting that refactor into two pull requests.',
  'The benchmark numbers are within noise of last week.',
  'I added a test for the empty input and fixed the off-by-one.',
];

export interface SparseContext {
  readonly chat: ChatContext;
  /** Indices (in order of appearance) of the memories that some response restates. */
  readonly matters: readonly number[];
}

/** `memories` memories, one per turn; memory i matters when i % every === 0. */
export function sparseContext(memories: number, every: number, seed: number, echoAfter = 0): SparseContext {
  const random = seededRandom(seed);
  const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const phrase = (n: number) => Array.from({ length: n }, word).join(' ');
  const conversation: ChatMessage[] = [];
  const matters: number[] = [];
  const facts: string[] = [];
  const echoes = new Map<number, string>();
  for (let i = 0; i < memories; i++) {
    const important = i % every === 0;
    const fact = `Fact ${i}: the ${phrase(3)} runbook says ${phrase(10)}.`;
    facts.push(fact);
    conversation.push({ role: 'user', content: important ? `What does the runbook of fact ${i} say?` : `Anything new on ticket ${i}?` });
    conversation.push({ role: 'memory', key: `m${String(i).padStart(4, '0')}`, content: fact });
    if (important) {
      matters.push(i);
      conversation.push({ role: 'assistant', content: `As I recall, ${fact}` });
      // Some facts are asked about again much later: their far responses flag them too.
      if (echoAfter > 0 && matters.length % 3 === 1) echoes.set(i + echoAfter, fact);
    } else {
      conversation.push({ role: 'assistant', content: ANSWERS[Math.floor(random() * ANSWERS.length)]! });
    }
    const echo = echoes.get(i);
    if (echo !== undefined) {
      conversation.push({ role: 'user', content: 'Remind me of that earlier runbook?' });
      conversation.push({ role: 'assistant', content: `Again: ${echo}` });
    }
  }
  return {
    chat: {
      model: 'memscope-builtin',
      system: 'You are Ada, a coding agent. Answer briefly and cite what you remember.',
      identity: [],
      journal: [],
      conversation,
    },
    matters,
  };
}
