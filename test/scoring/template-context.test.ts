// A chat context built from the model's own template, checked against the server that renders it
// (the vLLM fake, a real process): the baseline prompt is exactly the server's rendering of the
// messages, every ablation exactly its rendering without that memory, every response span the
// response's own tokens; a window over part of the conversation is refused where the template
// moves text across turns.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatContext } from '../../src/context/chat-format.ts';
import { templateContext, templateMessages } from '../../src/context/template-context.ts';
import { findTemplateSpans } from '../../src/context/template-spans.ts';
import { tokenize } from '../../src/context/tokenizer.ts';
import { ServerChatRenderer } from '../../src/scoring/chat-renderer.ts';
import { fullRange, PromptLayout } from '../../src/scoring/prompt.ts';
import { checkTemplateWindows } from '../../src/scoring/template-windows.ts';
import { FAKE_CHAT_TEMPLATES } from '../servers/chat-templates.ts';
import { startProcess, testScript, type RunningServer } from '../support/helpers.ts';
import { RELEASE_CHAT, plainText, releaseMessages, serverRendering } from '../support/release-chat.ts';

describe('a context under the model\'s own template', () => {
  const servers = new Map<string, RunningServer>();
  before(async () => {
    for (const name of ['chatml', 'llama3', 'gemma', 'mistral']) servers.set(name, await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--chat-template', name]));
  });
  after(async () => {
    for (const server of servers.values()) await server.stop();
  });

  const eot: Record<string, string> = { chatml: '<|im_end|>', llama3: '<|eot_id|>', gemma: '<end_of_turn>', mistral: '</s>' };

  async function built(name: string, chat: ChatContext) {
    const renderer = new ServerChatRenderer({ url: servers.get(name)!.url, model: null, timeoutMs: 10_000 });
    try {
      const messages = templateMessages(chat);
      const context = templateContext(chat, messages, await findTemplateSpans(name, messages, renderer.render), name, 'server');
      return { context, messages, layout: new PromptLayout(context, fullRange(context)), renderer };
    } catch (error) {
      await renderer.close();
      throw error;
    }
  }

  function checkSpans(name: string, chat: ChatContext, prompt: Uint32Array, spans: { start: number; end: number }[]): void {
    const specials = FAKE_CHAT_TEMPLATES[name]!.specials;
    const responses = chat.conversation.filter((m) => m.role === 'assistant').map((m) => plainText(m.content));
    assert.equal(spans.length, responses.length);
    spans.forEach((span, i) => {
      // Mistral writes " " before a response: it merges into the first word.
      const text = name === 'mistral' ? ` ${responses[i]!}` : responses[i]!;
      assert.deepEqual([...prompt.subarray(span.start, span.end)], [...tokenize(text), specials[eot[name]!]]);
    });
  }

  for (const name of ['chatml', 'llama3']) {
    test(`${name}: baseline, ablations and spans are the server's own rendering`, async () => {
      const server = servers.get(name)!;
      const { context, messages, layout, renderer } = await built(name, RELEASE_CHAT);
      try {
        assert.deepEqual([...layout.full], await serverRendering(server, releaseMessages()));
        for (const key of ['fridays', 'port']) {
          assert.deepEqual([...layout.build({ kind: 'skip-key', key })], await serverRendering(server, releaseMessages(key)), `without ${key}`);
        }
        for (const filter of [{ kind: 'none' } as const, { kind: 'skip-key', key: 'fridays' } as const]) checkSpans(name, RELEASE_CHAT, layout.build(filter), layout.spans(filter));
        // A window from the second user turn on: these templates move no text, it is their rendering.
        await checkTemplateWindows(name, context, messages, [{ start: 2, end: RELEASE_CHAT.conversation.length }], renderer.render);
      } finally {
        await renderer.close();
      }
    });
  }

  const NO_MEMORY_TURNS: ChatContext = {
    system: RELEASE_CHAT.system!,
    conversation: [
      { role: 'user', content: 'Hello.' },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'When do we ship?' },
      { role: 'assistant', content: 'On Friday.' },
    ],
  };

  for (const name of ['gemma', 'mistral']) {
    test(`${name}: a memory turn cannot be removed (roles must alternate); the template's message says so in one line`, async () => {
      await assert.rejects(built(name, RELEASE_CHAT), /^InputError: template \w+: rendering the messages without memory "(fridays|port)" failed: tokenize API HTTP 400: Conversation roles must alternate user\/assistant/);
    });

    test(`${name}: the system prompt folded into the first user turn; a window without that turn is refused`, async () => {
      const server = servers.get(name)!;
      const { context, messages, layout, renderer } = await built(name, NO_MEMORY_TURNS);
      try {
        const plain = [{ role: 'system', content: plainText(RELEASE_CHAT.system!) }, ...NO_MEMORY_TURNS.conversation.map((m) => ({ role: m.role, content: plainText(m.content) }))];
        assert.deepEqual([...layout.full], await serverRendering(server, plain));
        checkSpans(name, NO_MEMORY_TURNS, layout.full, layout.spans({ kind: 'none' }));
        const end = NO_MEMORY_TURNS.conversation.length;
        await assert.rejects(
          checkTemplateWindows(name, context, messages, [{ start: 2, end }], renderer.render),
          new RegExp(`^InputError: template ${name}: the prompt over conversation messages 3-${end} is not what the template renders for them .*use --mode full$`),
        );
      } finally {
        await renderer.close();
      }
    });
  }
});
