// The demo's first lines at 80 columns: the loading line fits the terminal (it wrapped before), and
// the built-in scorer with an added latency says the latency is simulated: in the header where it
// names the backend, else (80 columns) in the activity line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/core/display-width.ts';
import { loadingLine } from '../../src/tui/alt-screen.ts';
import { BuiltinScorer } from '../../src/builtin/builtin-scorer.ts';
import { isSimulated } from '../../src/builtin/builtin-label.ts';
import { mount } from '../support/screen-harness.tsx';
import { syntheticRun } from '../support/synthetic-run.ts';

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
    assert.equal(isSimulated(new BuiltinScorer({ latencyMs: 450 }).backend), true);
    assert.equal(isSimulated('built-in'), false);
  });

  it('says the latency is simulated once: in the header when it has room, in the activity line when not', async () => {
    const run = syntheticRun(40, 60);
    const started = { ...run.started, backend: new BuiltinScorer({ latencyMs: 450 }).backend };
    const file = '/usr/lib/node_modules/memscope/fixtures/medium.json';
    for (const [columns, rows, where] of [[80, 24, 'activity'], [130, 40, 'header, in two words'], [200, 60, 'header']] as const) {
      const screen = await mount([started, run.baseline, run.row(0)], { size: { columns, rows }, file });
      try {
        const lines = screen.lines();
        const said = lines.flatMap((line, i) => (line.includes('simulated latency') ? [i] : []));
        assert.equal(said.length, 1, `${columns}×${rows}, said once:\n${lines.join('\n')}`);
        const line = lines[said[0]!]!;
        if (where === 'header') assert.match(line, /^ memscope .* @ built-in scorer, simulated latency 450 ms /);
        else if (where === 'activity') assert.match(line, /^ \S simulated latency · scoring/, 'the activity line, before what the engine does');
        else assert.match(line, /^ memscope .*medium\.json · full matrix · simulated latency /, 'no room for the backend: its two words');
        // The rest of the activity line keeps its place: the bar and the counts.
        assert.match(lines.at(-2)!, /━+ +\d+% \d+\/\d+ ETA/, lines.at(-2));
      } finally {
        screen.unmount();
      }
    }
  });
});
