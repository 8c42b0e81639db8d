// Matching two runs: memories by key, responses by entry or (conversations differing) by text, so
// inserted and removed messages do not shift the rest; the matrix B − A.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FullResult } from '../../src/engine/events.ts';
import { alignSequences, compareRuns, entryMatchWarning, matchMemories, matchResponses, type DiffSide } from '../../src/engine/run-diff.ts';

/** A full result whose cell (i, j) is `value(i, j)`. */
function result(keys: string[], entries: number[], value: (i: number, j: number) => number, failed: string[] = []): FullResult {
  const matrix = keys.map((_, i) => entries.map((_, j) => value(i, j)));
  return {
    mode: 'full',
    model: 'm',
    memories: keys.map((key, i) => (failed.includes(key) ? { key, max: 0, failed: true, reason: 'boom' } : { key, max: Math.max(0, ...matrix[i]!), failed: false })),
    responses: entries.map((entry) => ({ entry, baseline: -1 })),
    matrix,
    calls: keys.length + 1,
  };
}

/** A side whose response at entry e has text texts[e]. */
function side(res: FullResult, texts?: Record<number, string>): DiffSide {
  return texts ? { result: res, responseText: (entry) => texts[entry] } : { result: res };
}

describe('alignSequences', () => {
  it('matches identical sequences one to one', () => {
    assert.deepEqual(alignSequences(['a', 'b', 'c'], ['a', 'b', 'c']), [[0, 0], [1, 1], [2, 2]]);
  });
  it('skips an inserted and a removed element without shifting the rest', () => {
    // B inserts x after a and drops d.
    assert.deepEqual(alignSequences(['a', 'b', 'c', 'd', 'e'], ['a', 'x', 'b', 'c', 'e']), [[0, 0], [1, 2], [2, 3], [4, 4]]);
  });
  it('keeps order with repeated elements', () => {
    assert.deepEqual(alignSequences(['ok', 'a', 'ok'], ['ok', 'ok']), [[0, 0], [2, 1]]);
  });
  it('the greedy fallback for large middles still matches in order', () => {
    const pairs = alignSequences(['h', 'a', 'b', 'c', 't'], ['h', 'b', 'z', 'c', 't'], 1);
    assert.deepEqual(pairs, [[0, 0], [2, 1], [3, 3], [4, 4]]);
  });
});

describe('matchMemories', () => {
  it('pairs memories by key in A order; lists the ones in one run and the failed ones', () => {
    const a = result(['k1', 'k2', 'gone', 'bad'], [1], (i) => i + 1, ['bad']);
    const b = result(['new', 'k2', 'bad', 'k1'], [1], (i) => 10 * (i + 1));
    const m = matchMemories(a.memories, b.memories);
    assert.deepEqual(m.memories, [
      { key: 'k1', a: 0, b: 3, maxA: 1, maxB: 40 },
      { key: 'k2', a: 1, b: 1, maxA: 2, maxB: 20 },
    ]);
    assert.deepEqual(m.onlyA, [{ key: 'gone', row: 2, max: 3, failed: false }]);
    assert.deepEqual(m.onlyB, [{ key: 'new', row: 0, max: 10, failed: false }]);
    assert.deepEqual(m.failed, [{ key: 'bad', a: true, b: false }]);
  });
});

describe('matchResponses', () => {
  const a = result(['k'], [2, 4, 6], () => 0);
  const textsA = { 2: 'first', 4: 'second', 6: 'third' };

  it('by entry when the conversations are the same', () => {
    const m = matchResponses(side(a, textsA), side(a, textsA));
    assert.equal(m.matchedBy, 'entry');
    assert.deepEqual(m.responses.map((r) => [r.entryA, r.entryB]), [[2, 2], [4, 4], [6, 6]]);
  });

  it('an inserted exchange in B: later responses keep their partners, the new one is B-only', () => {
    // B: a user message and an answer inserted before "second": entries after it move by two.
    const b = result(['k'], [2, 4, 6, 8], () => 0);
    const m = matchResponses(side(a, textsA), side(b, { 2: 'first', 4: 'inserted', 6: 'second', 8: 'third' }));
    assert.equal(m.matchedBy, 'text');
    assert.deepEqual(m.responses.map((r) => [r.entryA, r.entryB]), [[2, 2], [4, 6], [6, 8]]);
    assert.deepEqual(m.responsesOnlyB, [{ column: 1, entry: 4 }]);
    assert.deepEqual(m.responsesOnlyA, []);
  });

  it('a removed message in B (not a response): entries shift by one, every response still matches', () => {
    const b = result(['k'], [1, 3, 5], () => 0);
    const m = matchResponses(side(a, textsA), side(b, { 1: 'first', 3: 'second', 5: 'third' }));
    assert.equal(m.matchedBy, 'text');
    assert.deepEqual(m.responses.map((r) => [r.entryA, r.entryB]), [[2, 1], [4, 3], [6, 5]]);
  });

  it('a removed response: A-only, the rest matched', () => {
    const b = result(['k'], [2, 4], () => 0);
    const m = matchResponses(side(a, textsA), side(b, { 2: 'first', 4: 'third' }));
    assert.deepEqual(m.responses.map((r) => [r.entryA, r.entryB]), [[2, 2], [6, 4]]);
    assert.deepEqual(m.responsesOnlyA, [{ column: 1, entry: 4 }]);
  });

  it('without texts (a saved result), by entry', () => {
    const b = result(['k'], [4, 6, 8], () => 0);
    const m = matchResponses(side(a), side(b, { 4: 'x', 6: 'y', 8: 'z' }));
    assert.equal(m.matchedBy, 'entry');
    assert.deepEqual(m.responses.map((r) => [r.entryA, r.entryB]), [[4, 4], [6, 6]]);
    assert.deepEqual(m.responsesOnlyA.map((r) => r.entry), [2]);
    assert.deepEqual(m.responsesOnlyB.map((r) => r.entry), [8]);
    assert.equal(m.unmatchedConversations, 'response 1 is entry 2 in A, 4 in B');
  });

  it('without texts, conversations that look different are named: the counts, else the first entry that differs', () => {
    const more = result(['k'], [4, 6, 8, 10], () => 0);
    const counts = matchResponses(side(a), side(more));
    assert.equal(counts.unmatchedConversations, 'A has 3 responses, B 4');
    assert.match(entryMatchWarning(counts) ?? '', /^the conversations appear to differ \(A has 3 responses, B 4\), but saved --json results carry no response texts/);
    const shifted = matchResponses(side(a), side(result(['k'], [2, 5, 7], () => 0)));
    assert.equal(shifted.unmatchedConversations, 'response 2 is entry 4 in A, 5 in B');
    // The same entries: nothing to say; texts on both sides: matched by text, nothing to say either.
    assert.equal(matchResponses(side(a), side(a)).unmatchedConversations, undefined);
    assert.equal(entryMatchWarning(matchResponses(side(a), side(a))), undefined);
    assert.equal(matchResponses(side(a, textsA), side(more, { 4: 'first', 6: 'second', 8: 'third', 10: 'x' })).unmatchedConversations, undefined);
  });
});

describe('compareRuns', () => {
  it('the matrix is B − A over matched rows and columns', () => {
    const a = result(['k1', 'k2'], [2, 4, 6], (i, j) => i * 10 + j);
    // B: memories in the other order, a response inserted at entry 4.
    const b = result(['k2', 'k1'], [2, 4, 6, 8], (i, j) => 100 + i * 10 + j);
    const diff = compareRuns(side(a, { 2: 'p', 4: 'q', 6: 'r' }), side(b, { 2: 'p', 4: 'new', 6: 'q', 8: 'r' }));
    const cell = (res: FullResult, key: string, entry: number) => res.matrix[res.memories.findIndex((m) => m.key === key)]![res.responses.findIndex((r) => r.entry === entry)]!;
    const pairs = [[2, 2], [4, 6], [6, 8]] as const;
    assert.deepEqual(
      diff.matrix,
      ['k1', 'k2'].map((key) => pairs.map(([ea, eb]) => cell(b, key, eb) - cell(a, key, ea))),
    );
  });
});
