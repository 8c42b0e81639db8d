// A chat context under the model's own template (--template server or a template file): the
// messages the template is given, and the context AST built from what it rendered. Every node's
// tokens are its message's share of the rendering (template-spans.ts), so a prompt built from the
// AST is the template's own rendering: the whole list, a list cut after a message, or the list
// without a memory (each checked there).
//
// The template sees the system prompt, identity and journal as system messages (as memscope's own
// templates render them) and a memory turn as a user message "KEY\nTEXT": model templates know no
// "memory" role, and one that requires alternating turns refuses two user messages in a row.
import type { ChatContext } from './chat-format.ts';
import type { AstNode, ContentLeaf, Context, MessageBranch, MessageRole } from './context.ts';
import { InputError } from '../core/errors.ts';
import { MemoryScores } from './memory-scores.ts';
import type { TemplateMessage, TemplateSpans, TokenRun } from './template-spans.ts';

/** The role a memory turn is given: see above. */
export const MEMORY_TURN_ROLE = 'user';

interface Placed {
  readonly section: 'system' | 'identity' | 'journal' | 'conversation';
  readonly role: MessageRole | 'memory';
  readonly text: string;
  readonly key?: string;
  /** A memory's own text (without the key line the template is given). */
  readonly memoryText?: string;
}

/** A message's text for the template. Memories inside messages (content parts) are not mapped
 *  onto a template's rendering yet: refused, rather than scored as if they were not there. */
function plain(content: string | readonly (string | { readonly memory: string; readonly text: string })[], where: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (typeof part === 'string') return part;
      throw new InputError(`${where} holds memory "${part.memory}" inside its content; --template server or a template file takes memory turns only, so far (score it with --tokenizer builtin or server)`);
    })
    .join('');
}

function placed(chat: ChatContext): Placed[] {
  return [
    ...(chat.system !== undefined ? [{ section: 'system', role: 'system', text: plain(chat.system, 'the system prompt') } as const] : []),
    ...(chat.identity ?? []).map((text, i) => ({ section: 'identity', role: 'system', text: plain(text, `identity entry ${i + 1}`) }) as const),
    ...(chat.journal ?? []).map((text, i) => ({ section: 'journal', role: 'system', text: plain(text, `journal entry ${i + 1}`) }) as const),
    ...chat.conversation.map((m, i) =>
      m.role === 'memory'
        ? ({ section: 'conversation', role: 'memory', text: `${m.key!}\n${plain(m.content, `conversation message ${i + 1}`)}`, key: m.key!, memoryText: plain(m.content, `conversation message ${i + 1}`) } as const)
        : ({ section: 'conversation', role: m.role, text: plain(m.content, `conversation message ${i + 1}`) } as const),
    ),
  ];
}

function label(entry: Placed, index: number, conversationStart: number): string {
  if (entry.section !== 'conversation') return entry.section === 'system' ? 'the system prompt' : `${entry.section} entry ${index + 1}`;
  return `conversation message ${index - conversationStart + 1} (${entry.role})`;
}

/** The messages the template renders, in order: system, identity, journal, then the conversation. */
export function templateMessages(chat: ChatContext): TemplateMessage[] {
  const entries = placed(chat);
  const start = entries.findIndex((e) => e.section === 'conversation');
  const counts = { identity: 0, journal: 0 };
  return entries.map((entry, k) => {
    const n = entry.section === 'identity' || entry.section === 'journal' ? counts[entry.section]++ : k;
    return {
      role: entry.role === 'memory' ? MEMORY_TURN_ROLE : entry.role,
      parts: [entry.text],
      ...(entry.key !== undefined ? { memory: entry.key } : {}),
      label: label(entry, n, start),
    };
  });
}

const slice = (tokens: readonly number[], from: number, to: number) => Uint32Array.from(tokens.slice(from, to));

function sameRun(a: TokenRun, b: TokenRun): boolean {
  return a.start === b.start && a.end === b.end;
}

/** The AST of `chat` whose tokens are the template's rendering, split at the spans found. */
export function templateContext(chat: ChatContext, messages: readonly TemplateMessage[], spans: TemplateSpans, template: string, tokenizer: string): Context {
  const entries = placed(chat);
  const sections: Context['sections'] = { system: [], identity: [], journal: [], conversation: [] };
  const responses = new Map(spans.responses.map((r) => [r.message, r]));
  entries.forEach((entry, k) => {
    const segment = spans.segments[k]!;
    let node: AstNode;
    if (entry.key !== undefined) {
      const runs = spans.memories.get(entry.key)!;
      // A memory turn is one node: removing it must remove exactly its message's tokens.
      if (!runs.some((run) => sameRun(run, segment))) {
        throw new InputError(`template ${template}: ${messages[k]!.label} (memory "${entry.key}") does not render as a turn of its own; memscope refuses to score with it`);
      }
      node = { kind: 'memory', key: entry.key, text: entry.memoryText!, tokens: slice(spans.tokens, segment.start, segment.end) };
    } else {
      const response = responses.get(k);
      const contentStart = response?.start ?? segment.start;
      const contentEnd = response?.contentEnd ?? segment.end;
      const content: ContentLeaf = { kind: 'content', text: entry.text, tokens: slice(spans.tokens, contentStart, contentEnd) };
      node = {
        kind: 'message',
        role: entry.role as MessageRole,
        open: slice(spans.tokens, segment.start, contentStart),
        children: [content],
        close: slice(spans.tokens, contentEnd, segment.end),
        memoryScores: new MemoryScores(),
      } satisfies MessageBranch;
    }
    sections[entry.section].push(node);
  });
  let maxId = 0;
  for (const id of spans.tokens) if (id > maxId) maxId = id;
  return { model: chat.model ?? null, tokenizer: { name: tokenizer, vocabSize: maxId + 1 }, template, sections };
}
