// A token-level radix tree of prompts whose KV a server holds, as SGLang's RadixCache: a new
// prompt reuses the longest cached prefix and computes only the rest; when the tree is over its
// capacity, the least recently used leaves go first. No GPU here: only which tokens are reused.
// Shared by the SGLang fake (sglang-wire.ts) and anything that simulates a server's prefill cost.
//
//   const cache = new RadixCache(1 << 20);
//   const hit = cache.match(ids);          // tokens of the longest cached prefix (marks it used)
//   cache.insert(ids);                     // the whole prompt is cached now (evicting if over)
//   cache.evict(n); cache.clear(); cache.size; cache.stats

export interface RadixCacheStats {
  /** Calls of match(). */
  lookups: number;
  /** Tokens match() found cached, over all lookups. */
  matchedTokens: number;
  /** Tokens insert() added to the tree. */
  insertedTokens: number;
  /** Tokens evicted to stay within capacity (or by evict()). */
  evictedTokens: number;
}

interface Node {
  /** The tokens on the edge from the parent to this node. */
  edge: number[];
  readonly children: Map<number, Node>;
  parent: Node | undefined;
  /** Logical clock of the last match or insert through this node. */
  lastUsed: number;
}

function commonLength(edge: readonly number[], tokens: ArrayLike<number>, from: number): number {
  let k = 0;
  while (k < edge.length && from + k < tokens.length && edge[k] === tokens[from + k]) k++;
  return k;
}

export class RadixCache {
  private readonly root: Node = { edge: [], children: new Map(), parent: undefined, lastUsed: 0 };
  private clock = 0;
  private held = 0;
  readonly stats: RadixCacheStats = { lookups: 0, matchedTokens: 0, insertedTokens: 0, evictedTokens: 0 };

  /** @param capacity the most tokens the tree holds (the KV pool's size). */
  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('a cache holds at least one token');
  }

  /** Tokens held now. */
  get size(): number {
    return this.held;
  }

  /** Length of the longest cached prefix of `tokens`, up to `limit`; marks the path as used. */
  match(tokens: ArrayLike<number>, limit = tokens.length): number {
    this.stats.lookups++;
    const now = ++this.clock;
    let node = this.root;
    let matched = 0;
    while (matched < limit) {
      const child = node.children.get(tokens[matched]!);
      if (child === undefined) break;
      const k = commonLength(child.edge, tokens, matched);
      child.lastUsed = now;
      matched += k;
      if (k < child.edge.length) break;
      node = child;
    }
    matched = Math.min(matched, limit);
    this.stats.matchedTokens += matched;
    return matched;
  }

  /** Caches every prefix of `tokens`; returns the tokens newly added. Evicts LRU leaves past capacity. */
  insert(tokens: ArrayLike<number>): number {
    const now = ++this.clock;
    let node = this.root;
    let i = 0;
    while (i < tokens.length) {
      const child = node.children.get(tokens[i]!);
      if (child === undefined) {
        const leaf: Node = { edge: Array.from({ length: tokens.length - i }, (_, k) => tokens[i + k]!), children: new Map(), parent: node, lastUsed: now };
        node.children.set(tokens[i]!, leaf);
        const added = leaf.edge.length;
        this.held += added;
        this.stats.insertedTokens += added;
        this.shrinkTo(this.capacity, leaf);
        return added;
      }
      const k = commonLength(child.edge, tokens, i);
      child.lastUsed = now;
      if (k < child.edge.length) this.split(child, k);
      i += k;
      node = child;
    }
    return 0;
  }

  /** Evicts at least `tokens` tokens, least recently used leaves first; returns how many went. */
  evict(tokens: number): number {
    const before = this.held;
    this.shrinkTo(Math.max(0, this.held - tokens));
    return before - this.held;
  }

  clear(): void {
    this.stats.evictedTokens += this.held;
    this.root.children.clear();
    this.held = 0;
  }

  /** Splits `node`'s edge after k tokens: the first k stay on it, the rest move to a new child. */
  private split(node: Node, k: number): void {
    const rest: Node = { edge: node.edge.slice(k), children: new Map(node.children), parent: node, lastUsed: node.lastUsed };
    for (const grandchild of rest.children.values()) grandchild.parent = rest;
    node.edge = node.edge.slice(0, k);
    node.children.clear();
    node.children.set(rest.edge[0]!, rest);
  }

  private leaves(): Node[] {
    const out: Node[] = [];
    const stack = [...this.root.children.values()];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.children.size === 0) out.push(node);
      else stack.push(...node.children.values());
    }
    return out;
  }

  /** Drops LRU leaves (never `keep`, the prompt just inserted) until at most `target` tokens are held. */
  private shrinkTo(target: number, keep?: Node): void {
    while (this.held > target) {
      const candidates = this.leaves().filter((leaf) => leaf !== keep);
      if (candidates.length === 0) return;
      let victim = candidates[0]!;
      for (const leaf of candidates) if (leaf.lastUsed < victim.lastUsed) victim = leaf;
      // A leaf goes whole, or only its tail when that is enough.
      const over = this.held - target;
      const drop = Math.min(over, victim.edge.length);
      this.held -= drop;
      this.stats.evictedTokens += drop;
      if (drop < victim.edge.length) {
        victim.edge = victim.edge.slice(0, victim.edge.length - drop);
        continue;
      }
      const parent = victim.parent!;
      parent.children.delete(victim.edge[0]!);
    }
  }
}
