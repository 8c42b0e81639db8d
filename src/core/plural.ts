// Counts in sentences: "1 memory", "2 memories", "3 calls".

/** `count` and the noun that goes with it. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
