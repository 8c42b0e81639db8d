// A chat context under the model's own template (--template server or a template file): the
// messages the template is given, and the context AST built from what it rendered. Every node's
// tokens are its message's share of the rendering (template-spans.ts), so a prompt built from the
// AST is the template's own rendering: the whole list, a list cut after a message, or the list
// without a memory (each checked there).
//
// The template sees the system prompt, identity and journal as system messages (as memscope's own
// templates render them), each message's text with its memories inside it (content parts, where
// the agent put them), and a memory turn as a user message "KEY\nTEXT": model templates know no
// "memory" role, and one that requires alternating turns refuses two user messages in a row.
import type { ChatContext, ChatMessage } from './chat-format.ts';
import type { Content } from './content-parts.ts';
import type { AstNode, Context, MessageBranch, MessageChild, MessageRole } from './context.ts';
import { InputError } from '../core/errors.ts';
import { MemoryScores } from './memory-scores.ts';
import { memoryPlaces, type TemplateMessage, type TemplatePart, type TemplateSpans, type TokenRun } from './template-spans.ts';

/** The role a memory turn is given: see above. */
export const MEMORY_TURN_ROLE = 'user';

interface Placed {
  readonly section: 'system' | 'identity' | 'journal' | 'conversation';
  readonly role: MessageRole | 'memory';
  readonly parts: readonly TemplatePart[];
  readonly key?: string;
  /** A memory turn's own text (without the key line the template is given). */
  readonly memoryText?: string;
  readonly fields?: TemplateMessage['fields'];
}

const partsOf = (content: Content): readonly TemplatePart[] => (typeof content === 'string' ? [content] : content);

const textOf = (parts: readonly TemplatePart[]): string => parts.map((part) => (typeof part === 'string' ? part : part.text)).join('');

/** What else the message was sent with, as the template reads it. */
function fieldsOf(message: ChatMessage): TemplateMessage['fields'] {
  const fields = {
    ...(message.name !== undefined ? { name: message.name } : {}),
    ...(message.tool_calls !== undefined ? { tool_calls: message.tool_calls } : {}),
    ...(message.tool_call_id !== undefined ? { tool_call_id: message.tool_call_id } : {}),
  };
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function placed(chat: ChatContext): Placed[] {
  return [
    ...(chat.system !== undefined ? [{ section: 'system', role: 'system', parts: partsOf(chat.system) } as const] : []),
    ...(chat.identity ?? []).map((content) => ({ section: 'identity', role: 'system', parts: partsOf(content) }) as const),
    ...(chat.journal ?? []).map((content) => ({ section: 'journal', role: 'system', parts: partsOf(content) }) as const),
    ...chat.conversation.map((m): Placed => {
      if (m.role !== 'memory') return { section: 'conversation', role: m.role, parts: partsOf(m.content), fields: fieldsOf(m) };
      const text = textOf(partsOf(m.content));
      return { section: 'conversation', role: 'memory', parts: [`${m.key!}\n${text}`], key: m.key!, memoryText: text };
    }),
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
      parts: entry.parts,
      ...(entry.key !== undefined ? { memory: entry.key } : {}),
      ...(entry.fields !== undefined ? { fields: entry.fields } : {}),
      label: label(entry, n, start),
    };
  });
}

const slice = (tokens: readonly number[], from: number, to: number) => Uint32Array.from(tokens.slice(from, to));

/** One place of a memory in the rendering: its run, its key, and the message that holds it. */
interface PlacedRun extends TokenRun {
  readonly key: string;
  readonly holder: number;
}

/** Every memory run, with the message whose segment it lies in; a run across two messages is refused. */
function runsBySegment(spans: TemplateSpans, messages: readonly TemplateMessage[], template: string): PlacedRun[][] {
  const places = memoryPlaces(messages);
  const bySegment: PlacedRun[][] = spans.segments.map(() => []);
  for (const [key, runs] of spans.memories) {
    runs.forEach((run, place) => {
      const holder = places.get(key)![place]!;
      const at = spans.segments.findIndex((segment) => run.start >= segment.start && run.end <= segment.end);
      if (at === -1) throw new InputError(`template ${template}: memory "${key}" (in ${messages[holder]!.label}) renders across two messages; memscope refuses to score with it`);
      bySegment[at]!.push({ ...run, key, holder });
    });
  }
  for (const runs of bySegment) runs.sort((a, b) => a.start - b.start);
  return bySegment;
}

/** The memory keys of parts, in order. */
const partKeys = (parts: readonly TemplatePart[]): string[] => parts.flatMap((part) => (typeof part === 'string' ? [] : [part.memory]));

/**
 * The texts between a segment's memories, for display: the parts of the messages whose text it
 * renders (its own, after any folded into it, such as Gemma's system message), split at their
 * memories when those are the segment's runs in order; else all of it after the last memory.
 */
function gapTexts(sources: readonly (readonly TemplatePart[])[], runs: readonly PlacedRun[]): string[] {
  const parts = sources.flatMap((source, i) => (i === 0 ? source : ['\n', ...source]));
  const gaps = [''];
  if (partKeys(parts).join('\u0000') === runs.map((run) => run.key).join('\u0000')) {
    for (const part of parts) {
      if (typeof part === 'string') gaps[gaps.length - 1] += part;
      else gaps.push('');
    }
    return gaps;
  }
  return [...runs.map(() => ''), parts.filter((part) => typeof part === 'string').join('')];
}

/** A message's children: its segment's content cut at the memory runs in it, each run a memory leaf. */
function children(from: number, to: number, runs: readonly PlacedRun[], texts: readonly string[], memoryTexts: ReadonlyMap<string, string>, tokens: readonly number[]): MessageChild[] {
  const out: MessageChild[] = [];
  const content = (start: number, end: number, text: string) => {
    if (end > start || text !== '') out.push({ kind: 'content', text, tokens: slice(tokens, start, end) });
  };
  let at = from;
  runs.forEach((run, i) => {
    content(at, run.start, texts[i]!);
    out.push({ kind: 'memory', key: run.key, text: memoryTexts.get(run.key)!, tokens: slice(tokens, run.start, run.end) });
    at = run.end;
  });
  content(at, to, texts[runs.length]!);
  if (out.length === 0) out.push({ kind: 'content', text: '', tokens: new Uint32Array() });
  return out;
}

/** The AST of `chat` whose tokens are the template's rendering, split at the spans found. */
export function templateContext(chat: ChatContext, messages: readonly TemplateMessage[], spans: TemplateSpans, template: string, tokenizer: string): Context {
  const entries = placed(chat);
  const sections: Context['sections'] = { system: [], identity: [], journal: [], conversation: [] };
  const responses = new Map(spans.responses.map((r) => [r.message, r]));
  const bySegment = runsBySegment(spans, messages, template);
  const memoryTexts = new Map<string, string>();
  for (const message of messages) for (const part of message.parts) if (typeof part !== 'string') memoryTexts.set(part.memory, part.text);
  // A message whose memories the template renders in another message's segment: its text is shown there.
  const foldedInto = new Map<number, number>();
  bySegment.forEach((runs, k) => {
    for (const run of runs) if (run.holder !== k) foldedInto.set(run.holder, k);
  });
  entries.forEach((entry, k) => {
    const segment = spans.segments[k]!;
    const runs = bySegment[k]!;
    let node: AstNode;
    if (entry.key !== undefined) {
      // A memory turn is one node: removing it must remove exactly its message's tokens.
      const run = runs[0];
      if (runs.length !== 1 || run!.key !== entry.key || run!.start !== segment.start || run!.end !== segment.end) {
        throw new InputError(`template ${template}: ${messages[k]!.label} (memory "${entry.key}") does not render as a turn of its own; memscope refuses to score with it`);
      }
      node = { kind: 'memory', key: entry.key, text: entry.memoryText!, tokens: slice(spans.tokens, segment.start, segment.end) };
    } else {
      const response = responses.get(k);
      if (response !== undefined && runs.length > 0) {
        throw new InputError(`template ${template}: memory "${runs[0]!.key}" (in ${messages[runs[0]!.holder]!.label}) renders inside ${messages[k]!.label}; memscope refuses to score with it`);
      }
      const contentStart = response?.start ?? segment.start;
      const contentEnd = response?.contentEnd ?? segment.end;
      const folded = [...foldedInto].filter(([, into]) => into === k).map(([from]) => entries[from]!.parts);
      const sources = foldedInto.has(k) ? [] : [...folded, entry.parts];
      node = {
        kind: 'message',
        role: entry.role as MessageRole,
        open: slice(spans.tokens, segment.start, contentStart),
        children: children(contentStart, contentEnd, runs, gapTexts(sources, runs), memoryTexts, spans.tokens),
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
