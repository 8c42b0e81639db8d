// The texts the detail pane shows, looked up in the context AST: a memory's text by key (its
// first appearance, a turn or a part of a message), where it sits, and a response's text by
// conversation index. Raw and untrusted: the view
// neutralises them before they reach the terminal.
import { isAssistant, memoryPlaces, nodeText, type Context, type MemoryPlace } from './context.ts';

export interface ContextTexts {
  memory(key: string): string | undefined;
  response(entry: number): string | undefined;
  /** Where the memory sits: its section and message, the words around it, and how many places hold it. */
  where?(key: string): string | undefined;
  /** How many places of the context hold the memory (parts and turns with its key); 0 for a key it lacks. */
  readonly places?: (key: string) => number;
}

const words = (text: string, n: number, last = false): string => {
  const all = text.split(/\s+/).filter((w) => w !== '');
  const cut = last ? all.slice(-n) : all.slice(0, n);
  return all.length > n ? (last ? `…${cut.join(' ')}` : `${cut.join(' ')}…`) : cut.join(' ');
};

/** One line on a memory's first place, e.g. 'user message at entry 3 · after "User Memories:" · before "- He dislikes…" · in 2 places'. */
function describePlace(context: Context, places: readonly MemoryPlace[]): string {
  const place = places[0]!;
  const nodes = context.sections[place.section];
  const node = nodes[place.index]!;
  const at = place.section === 'conversation' ? `at entry ${place.index}` : `in ${place.section}`;
  let around: [before: string, after: string];
  let what: string;
  if (place.child !== undefined && node.kind === 'message') {
    what = `${node.role} message ${at}`;
    around = [node.children.slice(0, place.child).map((c) => c.text).join(''), node.children.slice(place.child + 1).map((c) => c.text).join('')];
  } else {
    what = `memory turn ${at}`;
    around = [nodes[place.index - 1] ? nodeText(nodes[place.index - 1]!) : '', nodes[place.index + 1] ? nodeText(nodes[place.index + 1]!) : ''];
  }
  const parts = [what];
  if (around[0].trim() !== '') parts.push(`after "${words(around[0], 4, true)}"`);
  if (around[1].trim() !== '') parts.push(`before "${words(around[1], 4)}"`);
  if (places.length > 1) parts.push(`in ${places.length} places`);
  return parts.join(' · ');
}

export function contextTexts(context: Context): ContextTexts {
  const entries = context.sections.conversation;
  const memories = new Map<string, string>();
  const placesOf = new Map<string, MemoryPlace[]>();
  for (const place of memoryPlaces(context)) {
    placesOf.set(place.key, [...(placesOf.get(place.key) ?? []), place]);
    if (memories.has(place.key)) continue;
    const node = context.sections[place.section][place.index]!;
    memories.set(place.key, place.child === undefined || node.kind !== 'message' ? nodeText(node) : node.children[place.child]!.text);
  }
  return {
    memory: (key) => memories.get(key),
    response: (entry) => {
      const node = entries[entry];
      return node !== undefined && isAssistant(node) ? nodeText(node) : undefined;
    },
    where: (key) => {
      const places = placesOf.get(key);
      return places === undefined ? undefined : describePlace(context, places);
    },
    places: (key) => placesOf.get(key)?.length ?? 0,
  };
}

export const NO_TEXTS: ContextTexts = { memory: () => undefined, response: () => undefined };
