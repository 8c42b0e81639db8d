// What the SGLang client keeps of earlier answers: logprobs of a shared prefix are reused, a call
// waits for one in flight that will know more, and a failed call releases whoever waits on it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPrefix, PrefixLogprobs } from '../../src/scoring/prefix-logprobs.ts';

const mask = (length: number, ...ranges: [number, number][]) => {
  const m = new Uint8Array(length);
  for (const [a, b] of ranges) m.fill(1, a, b);
  return m;
};

test('a prompt sharing a prefix with one answered before needs only what follows it', async () => {
  const store = new PrefixLogprobs();
  const baseline = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const first = await store.begin(baseline, mask(8, [2, 4], [6, 8]));
  assert.equal(first.firstMissing, 2);
  first.finish(Float64Array.from([NaN, NaN, -1, -2, NaN, NaN, -3, -4]));
  // Without tokens 4..5: the span at 2..4 is shared, the one after is not.
  const ablated = Uint32Array.from([1, 2, 3, 4, 7, 8]);
  const second = await store.begin(ablated, mask(6, [2, 4], [4, 6]));
  assert.equal(second.firstMissing, 4);
  assert.deepEqual([...second.values.subarray(2, 4)], [-1, -2]);
  assert.ok(Number.isNaN(second.values[4]!));
  second.finish(undefined);
  // An unrelated prompt knows nothing.
  const other = await store.begin(Uint32Array.from([9, 9, 9]), mask(3, [1, 3]));
  assert.equal(other.firstMissing, 1);
  other.finish(undefined);
});

test('a call waits for one in flight whose prompt shares more, and a failure releases it', async () => {
  const store = new PrefixLogprobs();
  const baseline = Uint32Array.from([1, 2, 3, 4, 5, 6]);
  const lease = await store.begin(baseline, mask(6, [1, 6]));
  let waited = false;
  const follower = store.begin(Uint32Array.from([1, 2, 3, 4, 9]), mask(5, [1, 5])).then((l) => {
    waited = true;
    return l;
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(waited, false);
  lease.finish(Float64Array.from([NaN, -1, -2, -3, -4, -5]));
  const got = await follower;
  assert.equal(got.firstMissing, 4);
  got.finish(undefined);
  // A failed call: the waiting one goes on without it.
  const failing = await store.begin(Uint32Array.from([7, 7, 7, 7]), mask(4, [1, 4]));
  const next = store.begin(Uint32Array.from([7, 7, 7, 8]), mask(4, [1, 4]));
  failing.finish(undefined);
  assert.equal((await next).firstMissing, 1);
});

test('commonPrefix: prompts built from one base skip their shared first run', () => {
  const base = Uint32Array.from([5, 6, 7, 8, 9]);
  const a = { prompt: Uint32Array.from([5, 6, 7, 9]), source: { base, runs: Int32Array.of(0, 3, 4, 5) } };
  const b = { prompt: Uint32Array.from([5, 6, 7, 8]), source: { base, runs: Int32Array.of(0, 4) } };
  assert.equal(commonPrefix(a, b), 3);
  assert.equal(commonPrefix({ prompt: a.prompt }, { prompt: b.prompt }), 3);
});
