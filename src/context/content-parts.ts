// A message's content as a list of parts: plain strings and memories ({"memory": KEY, "text": …}),
// for the memories an agent writes into a system prompt, a user turn or a tool result. The
// message's text is the parts end to end; a memory part's ids must be exactly the ids its text has
// inside the whole text, so that removing it removes its text and nothing else.
import { z } from 'zod';
import type { ContentLeaf, MemoryLeaf, MessageChild } from './context.ts';
import { InputError } from '../core/errors.ts';
import { jsonPath } from '../core/json-path.ts';

export const MemoryPartSchema = z
  .strictObject({
    memory: z.string().min(1, 'a memory key must not be empty').describe('the memory key: every part with this key is one memory, removed everywhere at once'),
    text: z.string().describe('the memory exactly as it sits in the message (line breaks included)'),
  })
  .meta({ description: 'a recalled memory inside a message' });

export const ContentPartSchema = z.union([z.string(), MemoryPartSchema]);

export const ContentSchema = z.union([
  z.string(),
  z.array(ContentPartSchema).min(1, 'a list of content parts must not be empty').describe('the message text in parts, end to end: strings and memories'),
]);

export type MemoryPart = z.infer<typeof MemoryPartSchema>;
export type ContentPart = z.infer<typeof ContentPartSchema>;
export type Content = z.infer<typeof ContentSchema>;

export function isMemoryPart(part: ContentPart): part is MemoryPart {
  return typeof part !== 'string';
}

/** The message's whole text. */
export function contentText(content: Content): string {
  return typeof content === 'string' ? content : content.map((part) => (typeof part === 'string' ? part : part.text)).join('');
}

/** The memory parts of a content (none for a plain string). */
export function memoryParts(content: Content): MemoryPart[] {
  return typeof content === 'string' ? [] : content.filter(isMemoryPart);
}

/** A problem at a place in a chat file (its JSON path); the loader names the file. */
export class ChatPlaceError extends InputError {
  constructor(
    readonly place: readonly PropertyKey[],
    message: string,
  ) {
    super(`${jsonPath(place)}: ${message}`);
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The children of a message, each part encoded on its own. Their ids end to end must be the whole
 * text's: a tokenizer that merges across a memory's edge (a BPE merge of ">\n", a word cut in two)
 * would give the model other ids than the agent sent, so that is refused, naming the memory.
 * `place` is the content's JSON path.
 */
export function contentChildren(content: Content, encode: (text: string) => readonly number[], place: readonly PropertyKey[]): MessageChild[] {
  if (typeof content === 'string') return [{ kind: 'content', text: content, tokens: Uint32Array.from(encode(content)) }];
  const children = content.map(
    (part): ContentLeaf | MemoryLeaf =>
      typeof part === 'string'
        ? { kind: 'content', text: part, tokens: Uint32Array.from(encode(part)) }
        : { kind: 'memory', key: part.memory, text: part.text, tokens: Uint32Array.from(encode(part.text)) },
  );
  if (!children.some((child) => child.kind === 'memory')) return children;
  const whole = encode(contentText(content));
  const joined = children.flatMap((child) => [...child.tokens]);
  if (!sameIds(joined, whole)) {
    const at = culprit(children, joined, whole);
    const key = (children[at] as MemoryLeaf).key;
    throw new ChatPlaceError(
      [...place, at],
      `memory "${key}": the tokenizer merges text across its edge (the message's parts, tokenized one by one, give other ids than its whole text), so removing it would not remove exactly its text; let it begin after a line break and end with the line breaks that follow it`,
    );
  }
  return children;
}

/** The memory part whose edge the first differing id sits at. */
function culprit(children: readonly MessageChild[], joined: readonly number[], whole: readonly number[]): number {
  let first = 0;
  while (first < joined.length && joined[first] === whole[first]) first++;
  let offset = 0;
  let at = 0;
  for (; at < children.length - 1; at++) {
    const next = offset + children[at]!.tokens.length;
    // The differing id is this child's first: the edge before it is the one that merged.
    if (first < next || (first === next && children[at]!.tokens.length === 0)) break;
    offset = next;
  }
  if (children[at]!.kind === 'memory') return at;
  if (first === offset && at > 0 && children[at - 1]!.kind === 'memory') return at - 1;
  for (let k = at + 1; k < children.length; k++) if (children[k]!.kind === 'memory') return k;
  for (let k = at - 1; k >= 0; k--) if (children[k]!.kind === 'memory') return k;
  return at;
}
