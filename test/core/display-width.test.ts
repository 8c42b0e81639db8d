// Fitting text to terminal columns: wide characters, ellipses, padding, styled segments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { cutToWidth, displayWidth, fit, sliceColumns } from '../../src/core/display-width.ts';
import { bar, formatDivergence, formatDuration } from '../../src/tui/screen-format.ts';
import { paintFit } from '../../src/tui/term-style.ts';

describe('display width', () => {
  it('counts wide characters as two columns', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('記憶'), 4);
    assert.equal(displayWidth('deploy 🚀'), 9);
  });

  it('fits text to an exact width, cutting with an ellipsis', () => {
    assert.equal(fit('abc', 5), 'abc  ');
    assert.equal(fit('abc', 5, 'right'), '  abc');
    assert.equal(fit('abcdef', 4), 'abc…');
    for (const text of ['記憶の鍵', 'a記b憶c', '🚀🚀🚀', 'plain ascii']) {
      for (let width = 1; width < 10; width++) assert.equal(stringWidth(fit(text, width)), width, `${text} at ${width}`);
    }
    assert.equal(cutToWidth('記憶', 3), '記');
  });

  it('slices columns, turning a cut wide character into spaces', () => {
    assert.equal(sliceColumns('abcdef', 2, 4), 'cd');
    assert.equal(sliceColumns('a記b', 0, 2), 'a ');
    assert.equal(sliceColumns('a記b', 2, 4), ' b');
    assert.equal(stringWidth(sliceColumns('記憶記憶', 1, 6)), 5);
  });

  it('cuts styled segments by their text, never inside an escape sequence', () => {
    const out = paintFit([['memory ', '\u001b[2m'], ['記憶-key-that-is-long', '\u001b[1m']], 12);
    assert.equal(stringWidth(out), 12);
    assert.equal(stripVTControlCharacters(out), 'memory 記憶…');
    assert.match(out, /^\u001b\[2mmemory \u001b\[0m\u001b\[1m記憶…\u001b\[0m$/);
  });
});

describe('screen formats', () => {
  it('keeps divergences within six columns', () => {
    for (const v of [0, 0.0123, 9.999, 12.345, 306.48, 1234.5, 99999, 1e7]) assert.ok(formatDivergence(v).length <= 7, `${v} → ${formatDivergence(v)}`);
    assert.equal(formatDivergence(306.48), '306.5');
    assert.equal(formatDivergence(0.25), '0.250');
  });

  it('prints durations as m:ss and h:mm:ss', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(65_400), '1:05');
    assert.equal(formatDuration(3_723_000), '1:02:03');
  });

  it('draws bars in eighths of a column', () => {
    assert.equal(bar(1, 4), '████');
    assert.equal(bar(0, 4), '    ');
    assert.equal(bar(0.5, 3), '█▌ ');
    assert.equal(bar(2, 2), '██');
  });
});
