// The chat both template tests score (test/scoring/template-context, test/cli/template-cli): a
// system prompt and two memory turns, turns alternating user/assistant after the system prompt so
// every fake template accepts it; and the messages a template is given for it, rendered by a server.
import assert from 'node:assert/strict';
import type { ChatContext, ChatMessage } from '../../src/context/chat-format.ts';
import type { RunningServer } from './helpers.ts';

export const RELEASE_CHAT: ChatContext = {
  system: 'You help with releases.',
  conversation: [
    { role: 'memory', key: 'fridays', content: 'The user deploys on Fridays.' },
    { role: 'assistant', content: 'Noted.' },
    { role: 'user', content: 'When do we ship?' },
    { role: 'assistant', content: 'On Friday, after staging passes.' },
    { role: 'memory', key: 'port', content: 'Staging runs on port 8080.' },
    { role: 'assistant', content: 'Port 8080 it is.' },
  ],
};

/** The test's contexts hold plain string contents only (no memories inside messages). */
export const plainText = (content: ChatMessage['content']): string => (typeof content === 'string' ? content : assert.fail('a string content'));

/** The messages as the tests render them on their own, less memory `skip`: memory turns as user "KEY\nTEXT". */
export function releaseMessages(skip?: string): { role: string; content: string }[] {
  return [
    { role: 'system', content: plainText(RELEASE_CHAT.system!) },
    ...RELEASE_CHAT.conversation.filter((m) => m.key === undefined || m.key !== skip).map((m) => (m.role === 'memory' ? { role: 'user', content: `${m.key!}\n${plainText(m.content)}` } : { role: m.role, content: plainText(m.content) })),
  ];
}

/** A server's own rendering of `messages` (its /tokenize with a chat), as token ids. */
export async function serverRendering(server: RunningServer, messages: { role: string; content: string }[]): Promise<number[]> {
  const answer = await fetch(`${server.url.replace(/\/v1$/, '')}/tokenize`, { method: 'POST', body: JSON.stringify({ messages, add_generation_prompt: false }) });
  return ((await answer.json()) as { tokens: number[] }).tokens;
}
