// The built-in tokenizer: a deterministic word-piece hash. It has no vocabulary file, so it
// works offline; it cannot decode ids back to text, which memscope never needs (every node
// keeps its text beside its tokens).

/** Ids below this are reserved for special tokens of the built-in template. */
export const SPECIAL_TOKENS = 16;
/** 2^17: large enough that hash collisions are rare in one context, small enough that a
 *  trigram key (a·V + b)·V + c stays an exact integer in a double (< 2^53). */
export const BUILTIN_VOCAB_SIZE = 1 << 17;

// A word with its leading space, a run of whitespace, or one other character: GPT-style
// pre-tokenization, so " deploy" and "deploy" are different tokens as in real vocabularies.
const PIECE = /[ ]?[\p{L}\p{N}_]+|\s+|[^\s\p{L}\p{N}_]/gu;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

// Pieces seen before skip the hash. Bounded: a long log full of unique ids would otherwise keep
// every one of them (tens of MB on a 2M-token context).
const CACHE_LIMIT = 100_000;
const cache = new Map<string, number>();

export function pieceId(piece: string): number {
  let id = cache.get(piece);
  if (id === undefined) {
    id = SPECIAL_TOKENS + (fnv1a(piece) % (BUILTIN_VOCAB_SIZE - SPECIAL_TOKENS));
    if (cache.size < CACHE_LIMIT) cache.set(piece, id);
  }
  return id;
}

/** The text of each token tokenize(text) gives, in order. */
export function tokenPieces(text: string): string[] {
  return Array.from(text.matchAll(PIECE), (match) => match[0]);
}

export function tokenize(text: string): number[] {
  const ids: number[] = [];
  for (const match of text.matchAll(PIECE)) ids.push(pieceId(match[0]));
  return ids;
}
