// The demo's first lines at 80 columns: the loading line fits the terminal (it wrapped before), and
// the built-in scorer with an added latency says the latency is simulated where the header names it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/core/display-width.ts';
import { loadingLine } from '../../src/tui/alt-screen.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';

describe('the loading line and the demo scorer', () => {
  it('fits the loading line to the terminal, keeping the file name', () => {
    const file = '/usr/local/lib/node_modules/memscope/dist/bundle/fixtures/demo-conversation-with-memories.json';
    for (const columns of [40, 80, 120]) {
      const line = loadingLine(file, columns);
      assert.ok(1 + displayWidth(line) < columns, `${columns}: ${line}`);
      assert.match(line, /^memscope: loading .*memories\.json…$/);
    }
    assert.equal(loadingLine('a.json', 80), 'memscope: loading a.json…');
  });

  it('names a built-in scorer with added latency as simulated', () => {
    assert.equal(new BuiltinScorer({ latencyMs: 40 }).backend, 'built-in scorer, simulated latency 40 ms');
    assert.equal(new BuiltinScorer().backend, 'built-in');
  });
});
