// The fake servers' prefix cache: longest-prefix matches, edge splits, limits, whole blocks, LRU eviction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefixTree } from './prefix-tree.ts';

const ids = (...values: number[]) => Uint32Array.from(values);

test('a prompt reuses the longest cached prefix, up to a limit', () => {
  const cache = new PrefixTree(1000, 1);
  assert.equal(cache.match(ids(1, 2, 3)), 0);
  cache.insert(ids(1, 2, 3, 4, 5), 5);
  assert.equal(cache.tokens, 5);
  assert.equal(cache.match(ids(1, 2, 3, 4, 5, 6)), 5);
  assert.equal(cache.match(ids(1, 2, 9)), 2);
  assert.equal(cache.match(ids(1, 2, 3, 4, 5, 6), 3), 3);
  // A branch splits the edge and adds only what is new.
  cache.insert(ids(1, 2, 7, 8), 4);
  assert.equal(cache.tokens, 7);
  assert.equal(cache.match(ids(1, 2, 7, 8, 9)), 4);
  assert.equal(cache.match(ids(1, 2, 3, 4, 5)), 5);
  cache.insert(ids(1, 2, 3), 3);
  assert.equal(cache.tokens, 7);
});

test('blocks: only whole blocks are cached and matched', () => {
  const cache = new PrefixTree(1000, 4);
  cache.insert(ids(1, 2, 3, 4, 5, 6), 6);
  assert.equal(cache.tokens, 4);
  assert.equal(cache.match(ids(1, 2, 3, 4, 5, 6)), 4);
  assert.equal(cache.match(ids(1, 2, 3, 9)), 0);
});

test('past capacity the least recently used leaf goes, its tail first', () => {
  const cache = new PrefixTree(10, 1);
  cache.insert(ids(1, 2, 3, 4), 4); // a
  cache.insert(ids(5, 6, 7, 8), 4); // b
  cache.match(ids(1, 2, 3, 4)); // a is used again: b is the oldest
  cache.insert(ids(9, 10, 11, 12), 4); // 12 tokens: 2 go from b's tail
  assert.equal(cache.tokens, 10);
  assert.equal(cache.match(ids(5, 6, 7, 8)), 2);
  assert.equal(cache.match(ids(1, 2, 3, 4)), 4);
  assert.equal(cache.match(ids(9, 10, 11, 12)), 4);
  cache.clear();
  assert.equal(cache.tokens, 0);
  assert.equal(cache.match(ids(1, 2)), 0);
});
