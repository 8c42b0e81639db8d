// The SGLang fake's prefix cache: longest-prefix matches, edge splits, limits, LRU eviction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RadixCache } from './radix-cache.ts';

test('a prompt reuses the longest cached prefix, up to a limit', () => {
  const cache = new RadixCache(1000);
  assert.equal(cache.match([1, 2, 3]), 0);
  assert.equal(cache.insert([1, 2, 3, 4, 5]), 5);
  assert.equal(cache.match([1, 2, 3, 4, 5, 6]), 5);
  assert.equal(cache.match([1, 2, 9]), 2);
  assert.equal(cache.match([1, 2, 3, 4, 5, 6], 3), 3);
  // A branch splits the edge and adds only what is new.
  assert.equal(cache.insert([1, 2, 7, 8]), 2);
  assert.equal(cache.size, 7);
  assert.equal(cache.match([1, 2, 7, 8, 9]), 4);
  assert.equal(cache.match([1, 2, 3, 4, 5]), 5);
  assert.equal(cache.insert([1, 2, 3]), 0);
  assert.deepEqual(cache.stats, { lookups: 6, matchedTokens: 0 + 5 + 2 + 3 + 4 + 5, insertedTokens: 7, evictedTokens: 0 });
});

test('past capacity the least recently used leaves go, never the prompt just inserted', () => {
  const cache = new RadixCache(10);
  cache.insert([1, 2, 3, 4]); // a
  cache.insert([5, 6, 7, 8]); // b
  cache.match([1, 2, 3, 4]); // a is used again: b is the oldest
  cache.insert([9, 10, 11, 12]); // 12 tokens: 2 go from b's tail
  assert.equal(cache.size, 10);
  assert.equal(cache.match([5, 6, 7, 8]), 2);
  assert.equal(cache.match([1, 2, 3, 4]), 4);
  assert.equal(cache.match([9, 10, 11, 12]), 4);
  assert.equal(cache.evict(3), 3);
  assert.equal(cache.size, 7);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.match([1, 2]), 0);
  // A prompt larger than the cache stays whole while it is the one in use.
  cache.insert(Array.from({ length: 20 }, (_, i) => i));
  assert.equal(cache.size, 20);
});
