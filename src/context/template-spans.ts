// Finding where each response and each memory lies in what a model's own chat template renders,
// from renderings alone (the template is a black box: the server's, or a file's):
//
//   - the messages 1..k for every k: each rendering must be a prefix of the next, so message k's
//     tokens are the ones its rendering adds (a prompt cut after a message is what the template
//     renders for the messages up to it);
//   - a template that appends the same ids after the last message whatever the messages (Phi-3's
//     end-of-text token when no generation prompt is asked) breaks that only by those ids: they
//     are found from the prefix renderings and taken off every rendering (see trailingIds);
//   - each assistant message again with empty content: what the two share at the start is the
//     header, at the end the closing; the response's span is its content and the first closing
//     token (the end of turn), as with memscope's own templates;
//   - the messages without each memory: the rendering must be the full one less one run of
//     tokens per place the memory sits, and nothing else changed. A key in several places is
//     found one place at a time, then checked removed from all at once.
//
// Templates that move text still pass where these hold: a Gemma-like template folds the system
// message into the first user turn (the system message then adds no tokens of its own, and its
// memories lie inside the user turn). Where a check fails, the error names the message or memory
// that breaks it; memscope then refuses rather than score a prompt the template does not render.
import { InputError } from '../core/errors.ts';
import type { RenderMessage } from './jinja-template.ts';

/** One piece of a message's content: plain text, or a memory's text. */
export type TemplatePart = string | { readonly memory: string; readonly text: string };

export interface TemplateMessage {
  /** The role the template is given. */
  readonly role: string;
  readonly parts: readonly TemplatePart[];
  /** What else the message was sent with (tool calls, a tool result's call id, a name): given to the template as is. */
  readonly fields?: Omit<RenderMessage, 'role' | 'content'> | undefined;
  /** A memory turn: the whole message is this memory, dropped whole when it is removed. */
  readonly memory?: string | undefined;
  /** How a one-line message names it: "conversation message 3 (user)". */
  readonly label: string;
}

export interface TokenRun {
  readonly start: number;
  readonly end: number;
}

export interface TemplateSpans {
  /** The full rendering's ids. */
  readonly tokens: readonly number[];
  /** Per message, the tokens it adds to the rendering of the messages before it. */
  readonly segments: readonly TokenRun[];
  /** Per assistant message: its index, and its content plus end-of-turn token (content ends at contentEnd). */
  readonly responses: readonly (TokenRun & { readonly message: number; readonly contentEnd: number })[];
  /** Per memory key, in order of first appearance: the runs removing it deletes, one per place it sits (in the order of its places). */
  readonly memories: ReadonlyMap<string, readonly TokenRun[]>;
  /** The ids the template appends after the last message, taken off every rendering (none for most templates). */
  readonly trailing: readonly number[];
  /** What the template does that memscope's own templates do not (text it moves, ids it appends), one line each. */
  readonly notes: readonly string[];
}

/** Renders messages to token ids (a server's /tokenize, or a local template and a tokenizer). */
export type RenderIds = (messages: readonly RenderMessage[]) => Promise<readonly number[]>;

/**
 * The ids of a text on its own, from the same tokenizer; `afterNewline`: read as if a line break
 * came before it (for tokenizers that mark the start of every call, as SentencePiece does).
 */
export type TextIds = (text: string, afterNewline: boolean) => Promise<readonly number[]>;

/** Which memory place to leave out: every place of `key`, or only its `only`-th. */
interface Removal {
  readonly key: string;
  readonly only?: number;
  /** Every memory, whatever its key. */
  readonly all?: boolean;
}

function partText(part: TemplatePart): string {
  return typeof part === 'string' ? part : part.text;
}

/** The messages as the template reads them, less the memory places `removal` names. */
export function renderMessages(messages: readonly TemplateMessage[], removal?: Removal): RenderMessage[] {
  const out: RenderMessage[] = [];
  let place = 0;
  const removed = (key: string): boolean => {
    if (removal?.all === true) return true;
    if (removal === undefined || key !== removal.key) return false;
    return removal.only === undefined || removal.only === place++;
  };
  for (const message of messages) {
    if (message.memory !== undefined && removed(message.memory)) continue;
    const parts = message.parts.filter((part) => typeof part === 'string' || message.memory !== undefined || !removed(part.memory));
    out.push({ role: message.role, content: parts.map(partText).join(''), ...message.fields });
  }
  return out;
}

/** Per memory key, in order of first appearance, the message of each place it sits in. */
export function memoryPlaces(messages: readonly TemplateMessage[]): Map<string, number[]> {
  const places = new Map<string, number[]>();
  const add = (key: string, k: number) => places.set(key, [...(places.get(key) ?? []), k]);
  messages.forEach((message, k) => {
    if (message.memory !== undefined) add(message.memory, k);
    else for (const part of message.parts) if (typeof part !== 'string') add(part.memory, k);
  });
  return places;
}

function isPrefix(prefix: readonly number[], of: readonly number[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}

function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** How many ids a and b share at the end, not reaching back past `floor` in either. */
function commonSuffix(a: readonly number[], b: readonly number[], floor: number): number {
  let n = 0;
  while (n < a.length - floor && n < b.length - floor && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * The one run of `full` that `without` lacks, when `without` is `full` less exactly one run;
 * undefined otherwise. An empty run (nothing removed) is returned as such.
 */
export function removedRun(full: readonly number[], without: readonly number[]): TokenRun | undefined {
  if (without.length > full.length) return undefined;
  const head = firstDifference(full, without);
  const tail = commonSuffix(full, without, head);
  if (head + tail !== without.length) return undefined;
  return { start: head, end: full.length - tail };
}

/**
 * The run placed in `holder` where that is the same removal: deleting [s, e) and [s−1, e−1) leave
 * the same ids when full[s−1] = full[e−1] (a turn removed before another that opens alike), so the
 * run found by common prefix and suffix is moved left, within those equal removals, into the
 * segment of the message that holds the memory when one of them lies there.
 */
function placeRun(full: readonly number[], run: TokenRun, holder: TokenRun): TokenRun {
  let { start, end } = run;
  for (;;) {
    if (start >= holder.start && end <= holder.end) return { start, end };
    if (start === 0 || full[start - 1] !== full[end - 1]) return run;
    start--;
    end--;
  }
}

function rendered(name: string, what: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof InputError) throw error;
    throw new InputError(`template ${name}: rendering ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  };
}

/** Whether each prefix rendering, less its last `trailing` ids, is a prefix of the next one less as many. */
function extendEachOther(prefixes: readonly (readonly number[])[], trailing: number): boolean {
  for (let k = 1; k < prefixes.length; k++) {
    const before = prefixes[k - 1]!;
    const now = prefixes[k]!;
    if (before.length - trailing > now.length - trailing || firstDifference(before, now) < before.length - trailing) return false;
  }
  return true;
}

/**
 * The ids a template appends after the last message whatever the messages (Phi-3 ends with
 * `{% else %}{{ eos_token }}` when no generation prompt is asked): the shortest run every prefix
 * rendering ends with such that, without it, each one is a prefix of the next. None when the
 * renderings extend each other as they are, or when no such run exists (a suffix that varies, a
 * template that rewrites earlier turns: segmentsOf then refuses as for any template).
 */
export function trailingIds(prefixes: readonly (readonly number[])[]): readonly number[] {
  if (prefixes.length < 2 || extendEachOther(prefixes, 0)) return [];
  const last = prefixes[prefixes.length - 1]!;
  const shortest = Math.min(...prefixes.map((ids) => ids.length));
  for (let n = 1; n <= shortest; n++) {
    const tail = last.slice(last.length - n);
    if (!prefixes.every((ids) => sameIds(ids.slice(ids.length - n), tail))) return [];
    if (extendEachOther(prefixes, n)) return tail;
  }
  return [];
}

/** "id 11", "ids 8 9". */
const idsText = (ids: readonly number[]): string => `${ids.length === 1 ? 'id' : 'ids'} ${ids.join(' ')}`;

/** `render` less the template's trailing ids; a rendering that does not end with them is refused (the suffix varies). */
export function withoutTrailing(name: string, render: RenderIds, trailing: readonly number[]): RenderIds {
  if (trailing.length === 0) return render;
  return async (messages) => {
    const ids = await render(messages);
    const cut = ids.length - trailing.length;
    if (cut < 0 || !sameIds(ids.slice(cut), trailing)) {
      throw new InputError(
        `template ${name}: the rendering of ${messages.length} messages does not end with ${idsText(trailing)}, which the template appends after the last message in the others: what it appends varies; memscope refuses to score with it`,
      );
    }
    return ids.slice(0, cut);
  };
}

/** The note that says what the template appends after the last message is left off. */
function trailingNote(name: string, trailing: readonly number[]): string {
  return `template ${name} appends ${idsText(trailing)} after the last message (e.g. an end-of-text token): not part of any response and after every token scored, ${trailing.length === 1 ? 'it is' : 'they are'} left off every prompt`;
}

/** Each prefix rendering must extend the one before: the message that breaks it is named. */
function segmentsOf(name: string, messages: readonly TemplateMessage[], prefixes: readonly (readonly number[])[]): TokenRun[] {
  const segments: TokenRun[] = [];
  let before: readonly number[] = [];
  for (let k = 0; k < messages.length; k++) {
    const now = prefixes[k]!;
    if (!isPrefix(before, now)) {
      const at = firstDifference(before, now);
      throw new InputError(
        `template ${name}: adding ${messages[k]!.label} changes what it renders for the messages before it (from token ${at} of ${before.length}): the template rewrites earlier turns, so a prompt cut after a message is not what it renders; memscope refuses to score with it`,
      );
    }
    segments.push({ start: before.length, end: now.length });
    before = now;
  }
  return segments;
}

/** The span of assistant message k: its segment less the header and closing the empty-content rendering shares. */
function responseSpan(name: string, message: TemplateMessage, segment: TokenRun, full: readonly number[], emptyRender: readonly number[]): TokenRun & { contentEnd: number } {
  if (!isPrefix(full.slice(0, segment.start), emptyRender)) {
    throw new InputError(`template ${name}: ${message.label} with empty content changes what it renders before it; memscope refuses to score with it`);
  }
  const seg = full.slice(segment.start, segment.end);
  const empty = emptyRender.slice(segment.start);
  if (seg.length === 0) throw new InputError(`template ${name}: ${message.label} renders no tokens: the template drops it, so it cannot be scored`);
  const header = firstDifference(seg, empty);
  const closing = commonSuffix(seg, empty, header);
  const contentEnd = segment.end - closing;
  // The end-of-turn token counts, as in memscope's own templates; a template that closes nothing has none.
  return { start: segment.start + header, end: contentEnd + (closing > 0 ? 1 : 0), contentEnd };
}

function overlaps(a: TokenRun, b: TokenRun): boolean {
  return a.start < b.end && b.start < a.end;
}

/** How a one-line message names a memory: its key, and the message it (first) sits in. */
function memoryName(key: string, holders: readonly number[], messages: readonly TemplateMessage[]): string {
  const first = messages[holders[0]!]!;
  return first.memory !== undefined ? `memory "${key}"` : `memory "${key}" (in ${first.label})`;
}

/** A memory's runs, one place at a time when it sits in several (in the order of its places), checked against its removal from all. */
async function memoryRuns(name: string, key: string, holders: readonly number[], messages: readonly TemplateMessage[], segments: readonly TokenRun[], full: readonly number[], render: RenderIds): Promise<TokenRun[]> {
  const removedAll = await render(renderMessages(messages, { key })).catch(rendered(name, `the messages without memory "${key}"`));
  const memory = memoryName(key, holders, messages);
  const broken = `template ${name}: removing ${memory} changes other tokens than its own`;
  const places = holders.length;
  if (places === 1) {
    const run = removedRun(full, removedAll);
    if (run === undefined) throw new InputError(`${broken} (from token ${firstDifference(full, removedAll)}): the tokens at its edges merge with the text beside it, or the template renders the other messages differently without it; memscope refuses to score with it`);
    if (run.start === run.end) throw new InputError(`template ${name}: ${memory} renders no tokens (the template drops it), so it cannot be scored`);
    return [placeRun(full, run, segments[holders[0]!]!)];
  }
  const runs: TokenRun[] = [];
  for (let only = 0; only < places; only++) {
    const one = await render(renderMessages(messages, { key, only })).catch(rendered(name, `the messages without place ${only + 1} of memory "${key}"`));
    const run = removedRun(full, one);
    if (run === undefined || run.start === run.end) throw new InputError(`${broken} at its place ${only + 1} of ${places} (in ${messages[holders[only]!]!.label}); memscope refuses to score with it`);
    runs.push(placeRun(full, run, segments[holders[only]!]!));
  }
  const kept = withoutRuns(full, runs);
  if (kept === undefined || !sameIds(kept, removedAll)) {
    throw new InputError(`${broken} when all ${places} of its places are removed at once; memscope refuses to score with it`);
  }
  return runs;
}

/**
 * The run, among the equal removals (see placeRun) at or left of it, whose ids are `ids`; undefined
 * when none is. Common prefix and suffix put a removed run as far right as it can go: a memory
 * that opens like the text after it ("<persona>…" before "<human>…") is found shifted by that much.
 */
function textRun(full: readonly number[], run: TokenRun, ids: readonly number[]): TokenRun | undefined {
  let { start, end } = run;
  for (;;) {
    if (sameIds(full.slice(start, end), ids)) return { start, end };
    if (start === 0 || full[start - 1] !== full[end - 1]) return undefined;
    start--;
    end--;
  }
}

/**
 * Memories inside messages: the run a removal deletes must be exactly the memory's text's ids
 * (read on their own, or after a line break), so that removing it deletes its text and nothing
 * else. A template that rewrites the text at its edge (trims the message it ends) or a tokenizer
 * that merges across its edge fails here, even where the removal alone looked clean. Returns the
 * runs placed on the text.
 */
async function alignPartTexts(name: string, messages: readonly TemplateMessage[], places: ReadonlyMap<string, readonly number[]>, memories: ReadonlyMap<string, readonly TokenRun[]>, full: readonly number[], textIds: TextIds): Promise<Map<string, TokenRun[]>> {
  const texts = new Map<string, string>();
  for (const message of messages) {
    if (message.memory !== undefined) continue;
    for (const part of message.parts) if (typeof part !== 'string') texts.set(part.memory, part.text);
  }
  const aligned = await Promise.all(
    [...places].map(async ([key, holders]): Promise<TokenRun[]> => {
      const runs = memories.get(key)!;
      const text = texts.get(key);
      if (text === undefined) return [...runs];
      const placed = async (afterNewline: boolean) => {
        const ids = await textIds(text, afterNewline);
        return runs.map((run, place) => (messages[holders[place]!]!.memory !== undefined ? run : textRun(full, run, ids)));
      };
      let out = await placed(false);
      if (out.includes(undefined)) out = await placed(true);
      const at = out.indexOf(undefined);
      if (at === -1) return out as TokenRun[];
      throw new InputError(
        `template ${name}: memory "${key}" (in ${messages[holders[at]!]!.label}): removing it deletes other ids than its text's (the template rewrites the text at its edge, e.g. trims the message it ends, or the tokenizer merges across its edge); memscope refuses to score with it: let it sit inside the message, after a line break and with the line breaks that follow it`,
      );
    }),
  );
  return new Map([...places.keys()].map((key, i) => [key, aligned[i]!] as const));
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && firstDifference(a, b) === a.length;
}

/** `full` less the runs (sorted, not overlapping); undefined when two overlap. */
function withoutRuns(full: readonly number[], runs: readonly TokenRun[]): number[] | undefined {
  const kept: number[] = [];
  let at = 0;
  for (const run of [...runs].sort((a, b) => a.start - b.start)) {
    if (run.start < at) return undefined;
    for (let i = at; i < run.start; i++) kept.push(full[i]!);
    at = run.end;
  }
  for (let i = at; i < full.length; i++) kept.push(full[i]!);
  return kept;
}

/**
 * Renders the messages every way the checks need and finds the spans; throws InputError on a
 * failed check. `textIds` (the same tokenizer, on plain text) checks each memory inside a message
 * against its text's ids.
 */
export async function findTemplateSpans(name: string, messages: readonly TemplateMessage[], render: RenderIds, textIds?: TextIds): Promise<TemplateSpans> {
  if (messages.length === 0) throw new InputError(`template ${name}: no messages to render`);
  const plain = renderMessages(messages);
  const rendersWhole = await Promise.all(plain.map((_, k) => render(plain.slice(0, k + 1)).catch(rendered(name, `the messages up to ${messages[k]!.label}`))));
  // From here on every rendering is taken without the ids the template appends after the last message.
  const trailing = trailingIds(rendersWhole);
  const prefixes = rendersWhole.map((ids) => ids.slice(0, ids.length - trailing.length));
  const renderCut = withoutTrailing(name, render, trailing);
  const full = prefixes[prefixes.length - 1]!;
  const segments = segmentsOf(name, messages, prefixes);

  const assistants = messages.flatMap((message, k) => (message.role === 'assistant' ? [k] : []));
  const empties = await Promise.all(
    assistants.map((k) => renderCut([...plain.slice(0, k), { role: 'assistant', content: '' }]).catch(rendered(name, `${messages[k]!.label} with empty content`))),
  );
  const responses = assistants.map((k, i) => ({ message: k, ...responseSpan(name, messages[k]!, segments[k]!, full, empties[i]!) }));

  const places = memoryPlaces(messages);
  const runs = await Promise.all([...places].map(([key, holders]) => memoryRuns(name, key, holders, messages, segments, full, renderCut)));
  const found = new Map([...places.keys()].map((key, i) => [key, runs[i]!] as const));
  const memories = textIds === undefined ? found : await alignPartTexts(name, messages, places, found, full, textIds);
  for (const [key, list] of memories) {
    for (const run of list) {
      const hit = responses.find((response) => overlaps(run, response));
      if (hit !== undefined) throw new InputError(`template ${name}: memory "${key}" renders inside the response of ${messages[hit.message]!.label}; memscope refuses to score with it`);
    }
  }

  // The engine removes several memories at once too: all of them removed must be the template's rendering of that.
  if (memories.size > 1) {
    const none = await renderCut(renderMessages(messages, { key: '', all: true })).catch(rendered(name, 'the messages without any memory'));
    const removed = withoutRuns(full, [...memories.values()].flat());
    if (removed === undefined || !sameIds(removed, none)) {
      throw new InputError(`template ${name}: removing all memories at once changes other tokens than theirs (two memories' edges merge, or the template renders the rest differently); memscope refuses to score with it`);
    }
  }
  const notes = [...movedMemories(messages, segments, memories), ...(trailing.length > 0 ? [trailingNote(name, trailing)] : [])];
  return { tokens: full, segments, responses, memories, trailing, notes };
}

/** The message each memory key first sits in. */
function holders(messages: readonly TemplateMessage[]): Map<string, number> {
  const out = new Map<string, number>();
  messages.forEach((message, k) => {
    const keys = message.memory !== undefined ? [message.memory] : message.parts.flatMap((part) => (typeof part === 'string' ? [] : [part.memory]));
    for (const key of keys) if (!out.has(key)) out.set(key, k);
  });
  return out;
}

/** One line per memory the template renders inside another message than the one that holds it. */
function movedMemories(messages: readonly TemplateMessage[], segments: readonly TokenRun[], memories: ReadonlyMap<string, readonly TokenRun[]>): string[] {
  const notes: string[] = [];
  const holder = holders(messages);
  for (const [key, runs] of memories) {
    const from = holder.get(key)!;
    const at = segments.findIndex((segment) => runs[0]!.start >= segment.start && runs[0]!.start < segment.end);
    if (at !== from) notes.push(`memory "${key}" (in ${messages[from]!.label}) renders inside ${messages[at]!.label}: the template moves that text there`);
  }
  return notes;
}
