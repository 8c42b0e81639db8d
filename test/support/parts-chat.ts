// A chat with memories inside messages, everywhere they may sit, and the prompt a model is sent
// for it rendered from text alone (chatml with the built-in tokenizer), for tests to compare with.
import { ChatContextSchema, type ChatContext } from '../../src/context/chat-format.ts';
import { contentText, type Content } from '../../src/context/content-parts.ts';
import { IM_END, IM_START } from '../../src/context/template.ts';
import { tokenize } from '../../src/context/tokenizer.ts';

const blocks = (human: string) => [
  'You are Ada, an on-call assistant.\n\n<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n\n',
  { memory: 'persona', text: '<persona>\n<value>\nI am Ada. I answer in one sentence.\n</value>\n</persona>\n\n' },
  { memory: 'human', text: human },
  '</memory_blocks>',
];
const HUMAN = '<human>\n<value>\nMaya runs the billing team and prefers Go.\n</value>\n</human>\n\n';

/** A chat with memories in the system prompt, the identity, a user turn and a tool result, one key in two places, and a memory turn. */
export const PARTS_CHAT: ChatContext = ChatContextSchema.parse({
  system: blocks(HUMAN),
  identity: [['Ada keeps notes.\n', { memory: 'human', text: HUMAN }]],
  conversation: [
    { role: 'user', content: ['What does Maya prefer?\nUser Memories:\n', { memory: 'likes-go', text: '- Maya likes Go.\n' }, { memory: 'tea', text: '- Maya drinks tea.\n\n' }, 'Answer briefly.'] },
    { role: 'assistant', content: 'Maya prefers Go.' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search_memory', arguments: '{"query":"deploy"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: [{ memory: 'deploy', text: 'Deploys go through make release.' }] },
    { role: 'memory', key: 'oncall', content: 'Ravi is on call this week.' },
    { role: 'user', content: 'Who deploys, and who is on call?' },
    { role: 'assistant', content: 'Make release deploys; Ravi is on call.' },
  ],
});

/** The prompt a model is sent for this chat (less the memory `drop`), rendered from text: every message's whole text tokenized at once. */
export function rendered(chat: ChatContext, drop?: string): number[] {
  const text = (content: Content) => (typeof content === 'string' ? content : content.map((p) => (typeof p === 'string' ? p : p.memory === drop ? '' : p.text)).join(''));
  const turn = (role: string, body: string) => [IM_START, ...tokenize(`${role}\n`), ...tokenize(body), IM_END, ...tokenize('\n')];
  const ids: number[] = [];
  if (chat.system !== undefined) ids.push(...turn('system', text(chat.system)));
  for (const c of [...(chat.identity ?? []), ...(chat.journal ?? [])]) ids.push(...turn('system', text(c)));
  for (const m of chat.conversation) {
    if (m.role === 'memory') {
      if (m.key !== drop) ids.push(...turn('memory', `${m.key}\n${contentText(m.content)}`));
    } else {
      const calls = (m.tool_calls ?? []).map((c) => `<tool_call>\n${JSON.stringify({ name: c.function.name, arguments: JSON.parse(c.function.arguments) })}\n</tool_call>`).join('');
      ids.push(...turn(m.role, text(m.content) + calls));
    }
  }
  return ids;
}

