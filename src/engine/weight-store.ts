// The incremental mode's memory of past scoring: per memory key, its weight (an EWMA of its
// scores) and when it was last scored. The reference keeps these in the agent's memory graph;
// memscope keeps them in a JSON file that is replaced atomically after every score, so a crash
// loses at most the score in flight.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { InputError } from '../core/errors.ts';
import { parseJsonFile, readTextFile } from '../context/load-context.ts';

export const WeightStoreSchema = z
  .strictObject({
    format: z.literal('memscope-weights'),
    version: z.literal(1),
    memories: z.record(
      z.string(),
      z.strictObject({
        weight: z.number(),
        /** Unix time in seconds. */
        last_scored: z.number().int().nonnegative(),
      }),
    ),
  })
  .meta({ title: 'memscope incremental weight store' });

export type WeightStoreData = z.infer<typeof WeightStoreSchema>;
export type MemoryWeight = WeightStoreData['memories'][string];

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'memscope', 'weights.json');
}

export class WeightStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly data: WeightStoreData,
  ) {}

  static async open(path: string): Promise<WeightStore> {
    let text: string;
    try {
      text = await readTextFile(path, 'weight store');
    } catch (error) {
      if (error instanceof InputError && error.message.endsWith('no such weight store')) {
        return new WeightStore(path, { format: 'memscope-weights', version: 1, memories: {} });
      }
      throw error;
    }
    return new WeightStore(path, parseJsonFile(path, text, WeightStoreSchema));
  }

  get(key: string): MemoryWeight | undefined {
    return Object.hasOwn(this.data.memories, key) ? this.data.memories[key] : undefined;
  }

  /** Records a score and writes the file; writes are queued so they never interleave. */
  set(key: string, value: MemoryWeight): Promise<void> {
    // defineProperty, not assignment: a memory may be keyed "__proto__".
    Object.defineProperty(this.data.memories, key, { value, enumerable: true, writable: true, configurable: true });
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    this.writing = this.writing.then(() => writeFileAtomic(this.path, text));
    return this.writing;
  }
}
