// An agent's log as a chat-format context, its memories marked by rules: the prompt the model
// was sent stays as it was, the memories become content parts where they sat.
import { ChatContextSchema, type ChatContext, type ChatMessage } from './chat-format.ts';
import type { Content } from './content-parts.ts';
import { InputError } from '../core/errors.ts';
import { jsonPath } from '../core/json-path.ts';
import { readAgentLog, type LogMessage } from './agent-log.ts';
import { RULE_FORMS, applyRule, parseRule, type MemoryRule, type Piece } from './memory-rules.ts';
import { chatContext, readTextFile, type ChatTokenizing, type LoadedContext, type LogImport } from './load-context.ts';

export interface FoundMemory {
  readonly key: string;
  readonly rule: string;
  /** The message it sits in: its role and its place in the log. */
  readonly role: string;
  readonly place: string;
  readonly text: string;
}

export interface ImportedLog {
  readonly chat: ChatContext;
  readonly found: FoundMemory[];
  readonly kind: 'openai' | 'otel';
  /** What the log holds that the scored prompt does not (tool definitions): said, not refused. */
  readonly notes: string[];
}

function content(message: LogMessage, pieces: readonly Piece[]): Content {
  if (!message.listed && pieces.length === 1 && typeof pieces[0] === 'string') return pieces[0];
  if (pieces.length === 0) return '';
  return [...pieces];
}

function chatMessage(message: LogMessage, pieces: readonly Piece[]): ChatMessage {
  const out: ChatMessage = { role: message.role, content: content(message, pieces) };
  if (message.name !== undefined) out.name = message.name;
  if (message.toolCalls !== undefined) out.tool_calls = message.toolCalls;
  if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
  return out;
}

/** The log's messages as a chat: the leading system messages as system and identity (rendered alike), the rest as the conversation. */
function toChat(model: string | null, messages: readonly LogMessage[], pieces: readonly Piece[][]): ChatContext {
  let lead = 0;
  while (lead < messages.length && messages[lead]!.role === 'system' && messages[lead]!.name === undefined) lead++;
  const chat: Record<string, unknown> = {};
  if (model !== null) chat.model = model;
  if (lead > 0) chat.system = content(messages[0]!, pieces[0]!);
  if (lead > 1) chat.identity = messages.slice(1, lead).map((m, i) => content(m, pieces[i + 1]!));
  chat.conversation = messages.slice(lead).map((m, i) => chatMessage(m, pieces[lead + i]!));
  return chat as ChatContext;
}

function firstWords(text: string, words = 8): string {
  // A memory block's value says more than its description.
  const value = /<value>([\s\S]*?)<\/value>/.exec(text)?.[1];
  if (value !== undefined) text = value;
  const all = text.replace(/<[^>\n]*>/g, ' ').split(/\s+/).filter((w) => w !== '');
  return all.slice(0, words).join(' ') + (all.length > words ? ' …' : '');
}

/** Reads an agent log and marks its memories with `rules` (specs as given on the command line). */
export function importLog(file: string, text: string, specs: readonly string[], spanId?: string): ImportedLog {
  const rules: MemoryRule[] = specs.map(parseRule);
  const log = readAgentLog(file, text, spanId);
  if (log.messages.length === 0) throw new InputError(`${file}: $: the log holds no messages`);
  const pieces: Piece[][] = log.messages.map((m) => [...m.parts]);
  const ruleOf = new WeakMap<object, string>();
  for (const rule of rules) {
    if (applyRule(rule, log.messages, pieces) === 0) throw new InputError(`--memories ${rule.spec}: matches nothing in ${file}`);
    for (const piece of pieces.flat()) if (typeof piece !== 'string' && !ruleOf.has(piece)) ruleOf.set(piece, rule.spec);
  }
  // One key is one memory: the same key for another text would be removed as one.
  const found: FoundMemory[] = [];
  const texts = new Map<string, { text: string; place: string }>();
  log.messages.forEach((message, i) => {
    for (const piece of pieces[i]!) {
      if (typeof piece === 'string') continue;
      const place = jsonPath(message.path);
      const seen = texts.get(piece.memory);
      if (seen !== undefined && seen.text !== piece.text) {
        throw new InputError(`${file}: ${place}: memory "${piece.memory}" is used for two different texts (the other at ${seen.place}); a regex rule can name its keys`);
      }
      texts.set(piece.memory, { text: piece.text, place });
      found.push({ key: piece.memory, rule: ruleOf.get(piece) ?? '', role: message.role, place, text: firstWords(piece.text) });
    }
  });
  const chat = toChat(log.model, log.messages, pieces);
  const checked = ChatContextSchema.safeParse(chat);
  if (!checked.success) throw new InputError(`${file}: cannot be written as a chat context: ${checked.error.issues[0]!.message} (at ${jsonPath(checked.error.issues[0]!.path)} of the output)`);
  return { chat: checked.data, found, kind: log.kind, notes: log.notes };
}

/** An agent's log imported (score --memories): the chat, what the session header records of it, and its notes (what the prompt leaves out). */
export async function readAgentChat(path: string, rules: readonly string[], span: string | undefined): Promise<{ chat: ChatContext; imported: LogImport; notes: readonly string[] }> {
  if (rules.length === 0) throw new InputError(`--memories: name at least one rule (${RULE_FORMS})`);
  const imported = importLog(path, await readTextFile(path, 'log file'), rules, span);
  return { chat: imported.chat, imported: { log: imported.kind, rules: [...rules], ...(span !== undefined ? { span } : {}) }, notes: imported.notes };
}

/** An agent's log imported and tokenized as a chat file would be (score --memories). */
export async function loadAgentLog(path: string, rules: readonly string[], span: string | undefined, tokenizing?: ChatTokenizing): Promise<LoadedContext> {
  const { chat, imported, notes } = await readAgentChat(path, rules, span);
  return { ...(await chatContext(path, chat, tokenizing)), imported, notes };
}
