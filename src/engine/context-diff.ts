// What changed between two versions of a context file, said the way a person would: memories
// added or removed, responses appended.
import { plural } from '../core/plural.ts';
import type { Context } from '../context/context.ts';
import { memoryRefs, responseEntries } from './conversation.ts';

export interface ContextChange {
  readonly added: string[];
  readonly removed: string[];
  readonly responsesBefore: number;
  readonly responsesAfter: number;
}

export function contextChange(before: Context, after: Context): ContextChange {
  const keysBefore = new Set(memoryRefs(before.sections.conversation).map((r) => r.key));
  const keysAfter = new Set(memoryRefs(after.sections.conversation).map((r) => r.key));
  return {
    added: [...keysAfter].filter((k) => !keysBefore.has(k)),
    removed: [...keysBefore].filter((k) => !keysAfter.has(k)),
    responsesBefore: responseEntries(before.sections.conversation).length,
    responsesAfter: responseEntries(after.sections.conversation).length,
  };
}

export function describeChange(change: ContextChange): string {
  const parts: string[] = [];
  if (change.added.length > 0) parts.push(`${plural(change.added.length, 'memory', 'memories')} added (${change.added.join(', ')})`);
  if (change.removed.length > 0) parts.push(`${plural(change.removed.length, 'memory', 'memories')} removed (${change.removed.join(', ')})`);
  const delta = change.responsesAfter - change.responsesBefore;
  if (delta > 0) parts.push(`${plural(delta, 'response', 'responses')} appended`);
  if (delta < 0) parts.push(`${plural(-delta, 'response', 'responses')} removed`);
  return parts.length > 0 ? parts.join('; ') : 'text changed, same memories and responses';
}
