import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divergence, ewma, maxOf, sum } from '../../src/engine/divergence.ts';

test('divergence is baseline minus ablated, never below zero', () => {
  assert.deepEqual(divergence([-10, -20, -5], [-12, -19, -5]), [2, 0, 0]);
});

test('a missing ablated score counts as no change, as in the reference', () => {
  assert.deepEqual(divergence([-10, -20], [-15]), [5, 0]);
});

test('maxOf and sum over divergences', () => {
  assert.equal(maxOf([0.5, 3, 2]), 3);
  assert.equal(maxOf([]), 0);
  assert.equal(sum([0.5, 3, 2]), 5.5);
});

test('ewma starts at the first score, then moves alpha of the way', () => {
  assert.equal(ewma(undefined, 4, 0.3), 4);
  assert.ok(Math.abs(ewma(4, 10, 0.3) - 5.8) < 1e-12);
});
