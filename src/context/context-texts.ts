// The texts the detail pane shows, looked up in the context AST: a memory's text by key (its
// first appearance) and a response's text by conversation index. Raw and untrusted: the view
// neutralises them before they reach the terminal.
import { isAssistant, nodeText, type Context } from './context.ts';

export interface ContextTexts {
  memory(key: string): string | undefined;
  response(entry: number): string | undefined;
}

export function contextTexts(context: Context): ContextTexts {
  const entries = context.sections.conversation;
  const memories = new Map<string, string>();
  for (const node of entries) if (node.kind === 'memory' && !memories.has(node.key)) memories.set(node.key, node.text);
  return {
    memory: (key) => memories.get(key),
    response: (entry) => {
      const node = entries[entry];
      return node !== undefined && isAssistant(node) ? nodeText(node) : undefined;
    },
  };
}

export const NO_TEXTS: ContextTexts = { memory: () => undefined, response: () => undefined };
