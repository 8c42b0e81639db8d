import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryScores, keyNumber } from '../../src/context/memory-scores.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';

test('memory scores answer like a Map over thousands of random sets and deletes', () => {
  const random = seededRandom(7);
  const keys = Array.from({ length: 60 }, (_, i) => `ms-test-${(i * 37) % 60}`);
  const scores = new MemoryScores();
  const model = new Map<string, number>();
  for (let step = 0; step < 5000; step++) {
    const key = keys[Math.floor(random() * keys.length)]!;
    if (random() < 0.3) assert.equal(scores.delete(key), model.delete(key), `delete ${key} at step ${step}`);
    else {
      const value = random() * 10 - 1;
      scores.set(key, value);
      model.set(key, value);
    }
    assert.equal(scores.size, model.size);
  }
  for (const key of [...keys, 'never-set']) {
    assert.equal(scores.get(key), model.get(key));
    assert.equal(scores.has(key), model.has(key));
  }
  assert.deepEqual(new Map(scores), model);
  scores.clear();
  assert.equal(scores.size, 0);
  assert.equal(scores.get(keys[0]!), undefined);
});

test('entries follow the order keys were first numbered, whatever order rows are written in', () => {
  const memories = ['ms-order-c', 'ms-order-a', 'ms-order-b'];
  for (const key of memories) keyNumber(key);
  const scores = new MemoryScores();
  scores.set('ms-order-b', 2).set('ms-order-c', 3).set('ms-order-a', 1);
  assert.deepEqual([...scores.keys()], memories);
  assert.deepEqual(Object.fromEntries(scores), { 'ms-order-c': 3, 'ms-order-a': 1, 'ms-order-b': 2 });
});

test('scores keep every bit of a float64 (a saved context round-trips exactly)', () => {
  const values = [0.1 + 0.2, Number.MIN_VALUE, 1e308, 123.45678901234568];
  const scores = new MemoryScores(values.map((v, i) => [`ms-bits-${i}`, v] as const));
  assert.deepEqual([...scores].map(([, v]) => v), values);
});
