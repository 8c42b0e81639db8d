// Rules that find the memories in an agent's messages (memscope import/score --memories RULE):
//   letta          each block inside <memory_blocks>: the <{label}> element (its <description>,
//                  <metadata> and <value>) and the line breaks after it, keyed by its label
//   bullets:HEAD   each bullet line under a line reading HEAD (a trailing ":" optional), with the
//                  line breaks after it, keyed by a slug of its text
//   tool:NAME      each result of the tool NAME (the whole tool message), keyed by a slug of the
//                  call's arguments
//   regex:PATTERN  each match's named group `text`, keyed by the group `key` or a slug of the text
// A memory's text takes the line breaks after it so that its edges fall where tokenizers split
// (">\n" and ".\n\n" are one token in byte-level BPE); removing it then leaves the text around it
// as it was. Rules apply in order, each to the text earlier ones left.
import { InputError } from '../core/errors.ts';
import type { MemoryPart } from './content-parts.ts';
import type { LogMessage } from './agent-log.ts';

export type MemoryRule =
  | { readonly kind: 'letta'; readonly spec: string }
  | { readonly kind: 'bullets'; readonly spec: string; readonly heading: string }
  | { readonly kind: 'tool'; readonly spec: string; readonly name: string }
  | { readonly kind: 'regex'; readonly spec: string; readonly pattern: RegExp };

export const RULE_FORMS = 'letta, bullets:HEADING, tool:NAME or regex:PATTERN';

/** The rules of --memories: every value given, and the words after it that are not options. */
export function memoryRules(given: readonly string[] | undefined, extra: readonly string[]): string[] {
  if (given === undefined || given.length === 0) {
    if (extra.length > 0) throw new InputError(`unexpected argument "${extra[0]}" (rules follow --memories)`);
    return [];
  }
  return [...given, ...extra];
}

export function parseRule(spec: string): MemoryRule {
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const arg = colon === -1 ? '' : spec.slice(colon + 1);
  const bad = (why: string) => new InputError(`--memories ${spec}: ${why}`);
  switch (kind) {
    case 'letta':
      if (colon !== -1) throw bad('letta takes no argument');
      return { kind, spec };
    case 'bullets':
      if (arg.trim() === '') throw bad('name the heading line, e.g. bullets:"User Memories:"');
      return { kind, spec, heading: arg };
    case 'tool':
      if (arg === '') throw bad('name the tool, e.g. tool:search_memory');
      return { kind, spec, name: arg };
    case 'regex': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(arg, 'gmdu');
      } catch (error) {
        throw bad(`not a regular expression (${(error as Error).message})`);
      }
      if (!/\(\?<text>/.test(arg)) throw bad('the pattern needs a named group "text" (and may name one "key"), e.g. regex:"Note: (?<text>[^\\n]*\\n)"');
      return { kind, spec, pattern };
    }
    default:
      throw bad(`unknown rule; expected ${RULE_FORMS}`);
  }
}

/** A stable key from a text: its first words, lower case, joined by "-". */
export function slug(text: string, max = 48): string {
  const words = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  let out = '';
  for (const word of words) {
    if (out !== '' && out.length + 1 + word.length > max) break;
    out = out === '' ? word.slice(0, max) : `${out}-${word}`;
  }
  return out === '' ? 'memory' : out;
}

/** A message's text in pieces: strings not yet claimed by a rule, and memories. */
export type Piece = string | MemoryPart;

/** A text with the spans [from, to) keyed: the pieces it becomes. */
function cut(text: string, spans: readonly { from: number; to: number; key: string }[]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const { from, to, key } of spans) {
    if (from > at) out.push(text.slice(at, from));
    out.push({ memory: key, text: text.slice(from, to) });
    at = to;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** The line breaks at `at` (a memory's text takes them). */
function breaksAfter(text: string, at: number): number {
  while (at < text.length && (text[at] === '\n' || text[at] === '\r')) at++;
  return at;
}

function lettaSpans(text: string): { from: number; to: number; key: string }[] {
  const spans: { from: number; to: number; key: string }[] = [];
  for (const region of text.matchAll(/<memory_blocks>([\s\S]*?)<\/memory_blocks>/g)) {
    const base = region.index + '<memory_blocks>'.length;
    for (const block of region[1]!.matchAll(/<([A-Za-z_][\w.-]*)>[\s\S]*?<\/\1>/g)) {
      if (!block[0].includes('<value>')) continue;
      const from = base + block.index;
      spans.push({ from, to: breaksAfter(text, from + block[0].length), key: block[1]! });
    }
  }
  return spans;
}

const BULLET = /^[ \t]*(?:[-*•]|\d+[.)])[ \t]+(.*)$/;

function bulletSpans(text: string, heading: string): { from: number; to: number; key: string }[] {
  const norm = (line: string) => line.trim().replace(/:$/, '').trim().toLowerCase();
  const wanted = norm(heading);
  const spans: { from: number; to: number; key: string }[] = [];
  let at = 0;
  let inList = false;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const lineEnd = end === -1 ? text.length : end;
    const line = text.slice(at, lineEnd).replace(/\r$/, '');
    const bullet = inList ? BULLET.exec(line) : null;
    if (bullet !== null) {
      const to = breaksAfter(text, lineEnd);
      spans.push({ from: at, to, key: slug(bullet[1]!) });
      at = to;
      continue;
    }
    inList = norm(line) === wanted;
    at = end === -1 ? text.length : end + 1;
  }
  return spans;
}

function regexSpans(text: string, pattern: RegExp): { from: number; to: number; key: string }[] {
  const spans: { from: number; to: number; key: string }[] = [];
  for (const match of text.matchAll(pattern)) {
    const where = match.indices?.groups?.text;
    const found = match.groups?.text;
    if (where === undefined || found === undefined || found === '') continue;
    const [from, to] = where;
    // Matches never overlap, but the text group of one could reach into the next; keep the first.
    if (spans.length > 0 && from < spans[spans.length - 1]!.to) continue;
    spans.push({ from, to, key: match.groups?.key !== undefined && match.groups.key !== '' ? match.groups.key : slug(found) });
  }
  return spans;
}

/** The string pieces of `pieces`, each replaced by what `spans` cuts it into. */
function cutStrings(pieces: Piece[], spans: (text: string) => { from: number; to: number; key: string }[]): Piece[] {
  return pieces.flatMap((piece) => (typeof piece === 'string' ? cut(piece, spans(piece)) : [piece]));
}

/** A slug of a tool call's arguments: their values in order (JSON text when not an object). */
function argumentsKey(args: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return slug(args);
  }
  const flat = (value: unknown): string => (value !== null && typeof value === 'object' ? Object.values(value).map(flat).join(' ') : String(value));
  return slug(flat(parsed));
}

/**
 * Applies one rule to every message's pieces (assistant messages are responses, never searched).
 * Returns the memories it found, by message index.
 */
export function applyRule(rule: MemoryRule, messages: readonly LogMessage[], pieces: Piece[][]): number {
  let found = 0;
  const count = (before: Piece[], after: Piece[]) => {
    found += after.filter((p) => typeof p !== 'string').length - before.filter((p) => typeof p !== 'string').length;
    return after;
  };
  if (rule.kind === 'tool') {
    const used = new Set<number>();
    messages.forEach((message, i) => {
      for (const call of message.toolCalls ?? []) {
        if (call.function.name !== rule.name) continue;
        const answer = messages.findIndex((m, j) => j > i && !used.has(j) && m.role === 'tool' && (m.toolCallId !== undefined ? m.toolCallId === call.id : m.name === rule.name));
        if (answer === -1) continue;
        used.add(answer);
        // The whole result is the memory; a result an earlier rule already cut stays as it is.
        if (!pieces[answer]!.every((p) => typeof p === 'string')) continue;
        const text = (pieces[answer]).join('');
        if (text === '') continue;
        pieces[answer] = count(pieces[answer], [{ memory: argumentsKey(call.function.arguments), text }]);
      }
    });
    return found;
  }
  messages.forEach((message, i) => {
    if (message.role === 'assistant') return;
    const spans =
      rule.kind === 'letta' ? lettaSpans : rule.kind === 'bullets' ? (t: string) => bulletSpans(t, rule.heading) : (t: string) => regexSpans(t, rule.pattern);
    pieces[i] = count(pieces[i]!, cutStrings(pieces[i]!, spans));
  });
  return found;
}
