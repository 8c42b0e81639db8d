// The line overlay: stand-ins in Ink's frame replaced by the lines they stand for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineOverlay } from '../../src/tui/line-overlay.ts';
import { neutralize } from '../../src/core/sanitize.ts';

describe('LineOverlay', () => {
  it('replaces each stand-in line by its slot’s latest line, and leaves other lines alone', () => {
    const overlay = new LineOverlay();
    const a = overlay.standIn('a', '\u001b[1mfirst\u001b[0m');
    const b = overlay.standIn('b', 'second');
    assert.equal(overlay.standIn('a', 'first, again'), a, 'a slot keeps its stand-in');
    assert.equal(overlay.compose(`${a}\nplain\n${b}  `), 'first, again\nplain\nsecond');
    assert.equal(overlay.compose('no stand-ins'), 'no stand-ins');
  });

  it('cannot be forged by context text, which never holds a raw U+0001 once neutralised', () => {
    const overlay = new LineOverlay();
    const standIn = overlay.standIn('secret', 'ours');
    const forged = neutralize(standIn);
    assert.notEqual(forged, standIn);
    assert.equal(overlay.compose(forged), forged);
  });
});
