// --mode single --key K: the engine scores an absent key as 0, as the reference does; on the
// command line an absent key is a typo, said with the nearest keys the context has.
import type { Context } from '../context/context.ts';
import { InputError } from '../core/errors.ts';
import { editDistance } from '../core/parse-flags.ts';
import { memoryRefs } from '../engine/conversation.ts';

const NEAREST = 3;

/** Throws an InputError naming the nearest keys when `key` is not a memory of the conversation. */
export function checkSingleKey(file: string, context: Context, key: string): void {
  const keys = memoryRefs(context).map((ref) => ref.key);
  if (keys.includes(key)) return;
  const nearest = keys
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, NEAREST)
    .map((near) => near.candidate);
  throw new InputError(`--key ${key}: ${file} has no memory with this key${nearest.length > 0 ? `; nearest: ${nearest.join(', ')}` : ' (it has no memories)'}`);
}
