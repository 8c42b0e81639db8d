// A chat context built from the model's own template, checked against the server that renders it
// (the vLLM fake, a real process): the baseline prompt is exactly the server's rendering of the
// messages, every ablation exactly its rendering without that memory, every response span the
// response's own tokens; a window over part of the conversation is refused where the template
// moves text across turns. A template that appends a constant token after the last message
// (Phi-3's end-of-text) is scored without it: its renderings are compared less that token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatContext, ChatMessage } from '../../src/context/chat-format.ts';
import { firstMemoryEntry } from '../../src/context/context.ts';
import { templateContext, templateMessages } from '../../src/context/template-context.ts';
import { findTemplateSpans, withoutTrailing } from '../../src/context/template-spans.ts';
import { tokenize } from '../../src/context/tokenizer.ts';
import { ServerChatRenderer } from '../../src/scoring/chat-renderer.ts';
import { fullRange, PromptLayout } from '../../src/scoring/prompt.ts';
import { checkTemplateWindows } from '../../src/scoring/template-windows.ts';
import { FAKE_CHAT_TEMPLATES } from '../servers/chat-templates.ts';
import { startProcess, testScript, type RunningServer } from '../support/helpers.ts';
import { RELEASE_CHAT, plainText, releaseMessages, serverRendering as wholeRendering } from '../support/release-chat.ts';

describe('a context under the model\'s own template', () => {
  const servers = new Map<string, RunningServer>();
  before(async () => {
    for (const name of ['chatml', 'llama3', 'gemma', 'mistral', 'phi3', 'phi3vary']) servers.set(name, await startProcess([testScript('servers/vllm-wire.ts'), '--port', '0', '--chat-template', name]));
  });
  after(async () => {
    for (const server of servers.values()) await server.stop();
  });

  const eot: Record<string, string> = { chatml: '<|im_end|>', llama3: '<|eot_id|>', gemma: '<end_of_turn>', mistral: '</s>', phi3: '<|end|>' };
  /** What a template appends after the last message, which memscope leaves off (see template-spans.ts). */
  const trailing: Record<string, string> = { phi3: '<|endoftext|>' };

  /** The server's rendering of the messages, less the trailing token memscope leaves off: asserted there, then cut. */
  async function serverRendering(server: RunningServer, messages: { role: string; content: string }[]): Promise<number[]> {
    const ids = await wholeRendering(server, messages);
    const name = [...servers].find(([, s]) => s === server)![0];
    if (trailing[name] === undefined) return ids;
    assert.equal(ids.at(-1), FAKE_CHAT_TEMPLATES[name]!.specials[trailing[name]]);
    return ids.slice(0, -1);
  }

  async function built(name: string, chat: ChatContext) {
    const renderer = new ServerChatRenderer({ url: servers.get(name)!.url, model: null, timeoutMs: 10_000 });
    try {
      const messages = templateMessages(chat);
      const spans = await findTemplateSpans(name, messages, renderer.render, renderer.textIds);
      const context = templateContext(chat, messages, spans, name, 'server');
      return { context, messages, spans, layout: new PromptLayout(context, fullRange(context)), renderer, render: withoutTrailing(name, renderer.render, spans.trailing) };
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

  for (const name of ['chatml', 'llama3', 'phi3']) {
    test(`${name}: baseline, ablations and spans are the server's own rendering${name === 'phi3' ? ' less the end-of-text token after the last message (said in a note)' : ''}`, async () => {
      const server = servers.get(name)!;
      const { context, messages, spans, layout, renderer, render } = await built(name, RELEASE_CHAT);
      try {
        assert.deepEqual([...layout.full], await serverRendering(server, releaseMessages()));
        for (const key of ['fridays', 'port']) {
          assert.deepEqual([...layout.build({ kind: 'skip-key', key })], await serverRendering(server, releaseMessages(key)), `without ${key}`);
        }
        for (const filter of [{ kind: 'none' } as const, { kind: 'skip-key', key: 'fridays' } as const]) checkSpans(name, RELEASE_CHAT, layout.build(filter), layout.spans(filter));
        // A window from the second user turn on: these templates move no text, it is their rendering.
        await checkTemplateWindows(name, context, messages, [{ start: 2, end: RELEASE_CHAT.conversation.length }], render);
        // Only the template that appends after the last message has a trailing token, and a note saying it is left off.
        assert.deepEqual(spans.trailing, trailing[name] === undefined ? [] : [FAKE_CHAT_TEMPLATES[name]!.specials[trailing[name]]]);
        assert.deepEqual(spans.notes, trailing[name] === undefined ? [] : [`template ${name} appends id 11 after the last message (e.g. an end-of-text token): not part of any response and after every token scored, it is left off every prompt`]);
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

  // Memories inside messages, as agents place them: Letta-like blocks in the system prompt, a
  // recalled line in a user turn, and one key ("deploys") in both. Turns alternate, so every
  // template here takes it; Gemma's and Mistral's fold the system prompt into the first user turn.
  const BLOCK = '<deploys>\nThe user deploys on Fridays.\n</deploys>\n\n';
  const PERSONA = '<persona>\nI answer in one line.\n</persona>\n\n';
  const PORT = '- Staging runs on port 8080.\n';
  const PARTS: ChatContext = {
    system: ['You help with releases.\n\n<memory_blocks>\n', { memory: 'persona', text: PERSONA }, { memory: 'deploys', text: BLOCK }, '</memory_blocks>'],
    conversation: [
      { role: 'user', content: ['Recalled:\n', { memory: 'port', text: PORT }, { memory: 'deploys', text: BLOCK }, 'When do we ship?'] },
      { role: 'assistant', content: 'On Friday, after staging passes.' },
      { role: 'user', content: 'Which port?' },
      { role: 'assistant', content: 'Port 8080.' },
    ],
  };
  const PART_TEXTS: Record<string, string> = { persona: PERSONA, deploys: BLOCK, port: PORT };

  /** The messages as sent, written out here: each content's parts end to end, less the memory `skip` wherever it sits. */
  function partMessages(chat: ChatContext, skip?: string): { role: string; content: string }[] {
    const join = (content: ChatMessage['content']) => (typeof content === 'string' ? content : content.map((p) => (typeof p === 'string' ? p : p.memory === skip ? '' : p.text)).join(''));
    return [{ role: 'system', content: join(chat.system!) }, ...chat.conversation.map((m) => ({ role: m.role, content: join(m.content) }))];
  }

  for (const name of ['chatml', 'llama3', 'gemma', 'mistral', 'phi3']) {
    test(`${name}: memories inside messages: the baseline is the server's rendering, each ablation its rendering without one memory's text, everywhere`, async () => {
      const server = servers.get(name)!;
      const { context, layout, renderer } = await built(name, PARTS);
      try {
        const full = await serverRendering(server, partMessages(PARTS));
        assert.deepEqual([...layout.full], full);
        for (const [key, text] of Object.entries(PART_TEXTS)) {
          const without = [...layout.build({ kind: 'skip-key', key })];
          assert.deepEqual(without, await serverRendering(server, partMessages(PARTS, key)), `without ${key}`);
          // Exactly the memory's text's ids, at each of its places, and nothing else.
          const places = key === 'deploys' ? 2 : 1;
          assert.equal(full.length - without.length, places * tokenize(text).length, `${key}: ids removed`);
        }
        checkSpans(name, PARTS, layout.full, layout.spans({ kind: 'none' }));
        // Every memory leaf holds its text's ids; the folding templates put the system prompt's in the first user turn.
        const leaves = [...context.sections.system, ...context.sections.conversation].flatMap((node, i) =>
          node.kind === 'message' ? node.children.flatMap((child) => (child.kind === 'memory' ? [{ key: child.key, tokens: [...child.tokens], node: i }] : [])) : [],
        );
        for (const leaf of leaves) assert.deepEqual(leaf.tokens, tokenize(PART_TEXTS[leaf.key]!));
        const persona = leaves.find((leaf) => leaf.key === 'persona')!;
        assert.equal(persona.node, name === 'gemma' || name === 'mistral' ? context.sections.system.length : 0);
        assert.equal(leaves.filter((leaf) => leaf.key === 'deploys').length, 2);
        assert.equal(firstMemoryEntry(context, 'persona'), 0);
      } finally {
        await renderer.close();
      }
    });
  }

  test('phi3vary appends its end-of-text token only after an assistant\'s last message: what it appends varies, refused as a template that rewrites earlier turns', async () => {
    await assert.rejects(built('phi3vary', RELEASE_CHAT), (error: Error) => {
      assert.match(error.message, /^template phi3vary: adding conversation message 3 \(user\) changes what it renders for the messages before it .*memscope refuses to score with it$/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  test('llama3 trims a message: a memory that ends one is refused in one line naming the memory and the message', async () => {
    const trimmed: ChatContext = {
      conversation: [
        { role: 'user', content: ['Recalled:\n', { memory: 'port', text: '- Staging runs on port 8080.\n\n' }] },
        { role: 'assistant', content: 'Noted.' },
      ],
    };
    await assert.rejects(built('llama3', trimmed), (error: Error) => {
      assert.match(error.message, /^template llama3: memory "port" \(in conversation message 1 \(user\)\): removing it deletes other ids than its text's .*refuses to score with it/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    // ChatML keeps the text as it is: the same context is scored there.
    const { renderer } = await built('chatml', trimmed);
    await renderer.close();
  });
});
