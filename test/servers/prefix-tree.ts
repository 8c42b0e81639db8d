// A server's prefix cache: a radix tree of token blocks (16 tokens for vLLM, 1 for SGLang's
// RadixCache) holding at most `capacity` tokens, least recently used leaf out first, its tail
// first. A prompt reuses the longest cached prefix, in whole blocks. Used by the GPU simulator
// (gpu-cost-model.ts) and the SGLang fake (sglang-wire.ts, sglang-generate.ts).

interface CacheNode {
  /** The edge's tokens (a whole number of blocks; the root's is empty). */
  tokens: Uint32Array;
  readonly children: Map<string, CacheNode>;
  parent: CacheNode | undefined;
  lastUsed: number;
}

/** A radix tree of token blocks with a capacity and least-recently-used eviction. */
export class PrefixTree {
  private readonly root: CacheNode = { tokens: new Uint32Array(0), children: new Map(), parent: undefined, lastUsed: 0 };
  private size = 0;
  private tick = 0;

  constructor(
    readonly capacity: number,
    readonly blockSize: number,
  ) {
    if (!(blockSize >= 1)) throw new RangeError('block size must be at least 1');
  }

  get tokens(): number {
    return this.size;
  }

  private key(tokens: Uint32Array, at: number): string {
    return this.blockSize === 1 ? String(tokens[at]) : tokens.subarray(at, at + this.blockSize).join(',');
  }

  /** Whole blocks of `prompt` (at most `limit` tokens) already cached; touches them. */
  match(prompt: Uint32Array, limit = prompt.length): number {
    const bs = this.blockSize;
    const wanted = Math.floor(Math.min(limit, prompt.length) / bs) * bs;
    const now = ++this.tick;
    let node = this.root;
    let at = 0;
    while (at < wanted) {
      const child = node.children.get(this.key(prompt, at));
      if (child === undefined) break;
      const n = sharedBlocks(child.tokens, prompt, at, wanted, bs);
      child.lastUsed = now;
      at += n;
      if (n < child.tokens.length) break;
      node = child;
    }
    return at;
  }

  /** Caches the whole blocks of prompt[0..length), then evicts down to capacity. */
  insert(prompt: Uint32Array, length: number): void {
    const bs = this.blockSize;
    const end = Math.floor(Math.min(length, prompt.length) / bs) * bs;
    const now = ++this.tick;
    let node = this.root;
    let at = 0;
    while (at < end) {
      const k = this.key(prompt, at);
      const child = node.children.get(k);
      if (child === undefined) {
        const leaf: CacheNode = { tokens: prompt.slice(at, end), children: new Map(), parent: node, lastUsed: now };
        node.children.set(k, leaf);
        this.size += end - at;
        break;
      }
      const n = sharedBlocks(child.tokens, prompt, at, end, bs);
      child.lastUsed = now;
      if (n < child.tokens.length) {
        if (at + n === end) break;
        // Split the edge where the prompt leaves it.
        const upper: CacheNode = { tokens: child.tokens.slice(0, n), children: new Map(), parent: node, lastUsed: now };
        child.tokens = child.tokens.slice(n);
        child.parent = upper;
        upper.children.set(this.key(child.tokens, 0), child);
        node.children.set(k, upper);
        node = upper;
      } else {
        node = child;
      }
      at += n;
    }
    this.evict();
  }

  private evict(): void {
    while (this.size > this.capacity) {
      let oldest: CacheNode | undefined;
      const visit = (node: CacheNode) => {
        if (node.children.size === 0 && node !== this.root) {
          if (oldest === undefined || node.lastUsed < oldest.lastUsed) oldest = node;
        }
        for (const child of node.children.values()) visit(child);
      };
      visit(this.root);
      if (oldest === undefined) return;
      // The leaf's tail goes first, by whole blocks; an emptied leaf leaves the tree.
      const excess = this.size - this.capacity;
      const cut = Math.min(oldest.tokens.length, Math.ceil(excess / this.blockSize) * this.blockSize);
      this.size -= cut;
      if (cut === oldest.tokens.length) {
        oldest.parent!.children.delete(this.key(oldest.tokens, 0));
      } else {
        oldest.tokens = oldest.tokens.slice(0, oldest.tokens.length - cut);
      }
    }
  }

  clear(): void {
    this.root.children.clear();
    this.size = 0;
  }
}

/** How many tokens of `edge` equal prompt[at..end), in whole blocks. */
function sharedBlocks(edge: Uint32Array, prompt: Uint32Array, at: number, end: number, bs: number): number {
  const n = Math.min(edge.length, end - at);
  let i = 0;
  while (i < n && edge[i] === prompt[at + i]) i++;
  return Math.floor(i / bs) * bs;
}
