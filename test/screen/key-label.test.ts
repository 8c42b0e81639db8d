// The matrix row label of a key that sits in several places of the context (issue 21): the text
// layout alone; the screen's test mounts it (screen.test.tsx, "a key in several places").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyLabel, keyLabelWidth, placesMark } from '../../src/tui/key-label.ts';

describe('key label', () => {
  it('cuts the key in the middle to its column, its places mark kept whole, and only when the key keeps four columns', () => {
    assert.equal(placesMark(1), '');
    assert.equal(placesMark(3), '×3');
    assert.equal(keyLabelWidth('human', 2), 8);
    assert.equal(keyLabelWidth('human', 1), 5);
    assert.deepEqual(keyLabel('human', 2, 12), { key: 'human', mark: '×2', padding: 4 });
    assert.deepEqual(keyLabel('human', 1, 12), { key: 'human', mark: '', padding: 7 });
    // Too long: the key is cut in the middle, so keys that differ at the end stay apart; the mark stays.
    assert.deepEqual(keyLabel('config-auth-gateway-1', 2, 14), { key: 'conf…eway-1', mark: '×2', padding: 0 });
    // Six columns (the narrowest key column): the key wins, the mark goes.
    assert.deepEqual(keyLabel('human-1', 2, 6), { key: 'hu…n-1', mark: '', padding: 0 });
  });
});
