// The texts the detail pane shows, looked up in the context AST: a memory's text by key (its
// first appearance, a turn or a part of a message) and a response's text by conversation index. Raw and untrusted: the view
// neutralises them before they reach the terminal.
import { isAssistant, memoryPlaces, nodeText, type Context } from './context.ts';

export interface ContextTexts {
  memory(key: string): string | undefined;
  response(entry: number): string | undefined;
}

export function contextTexts(context: Context): ContextTexts {
  const entries = context.sections.conversation;
  const memories = new Map<string, string>();
  for (const place of memoryPlaces(context)) {
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
  };
}

export const NO_TEXTS: ContextTexts = { memory: () => undefined, response: () => undefined };
