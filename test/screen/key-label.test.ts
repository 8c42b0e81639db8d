// The matrix row label of a key that sits in several places of the context (issue 21): the text
// layout alone; the screen's test mounts it (screen.test.tsx, "a key in several places").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyLabel, keyLabelWidth, placesMark } from '../../src/tui/key-label.ts';

describe('key label', () => {
  it('marks a key in several places "(N)" when the key and the mark fit whole; a key that must be cut keeps the column', () => {
    assert.equal(placesMark(1), '');
    assert.equal(placesMark(3), '(3)');
    assert.equal(keyLabelWidth('human', 2), 9);
    assert.equal(keyLabelWidth('human', 1), 5);
    assert.deepEqual(keyLabel('human', 2, 12), { key: 'human', mark: '(2)', padding: 3 });
    assert.deepEqual(keyLabel('human', 2, 9), { key: 'human', mark: '(2)', padding: 0 });
    assert.deepEqual(keyLabel('human', 1, 12), { key: 'human', mark: '', padding: 7 });
    // One column short: the key stays whole and the mark goes.
    assert.deepEqual(keyLabel('human', 2, 8), { key: 'human', mark: '', padding: 3 });
    // Too long for the column: cut in the middle as any key, so keys that differ at the end stay apart.
    assert.deepEqual(keyLabel('config-auth-gateway-1', 2, 14), { key: 'confi…ateway-1', mark: '', padding: 0 });
  });
});
