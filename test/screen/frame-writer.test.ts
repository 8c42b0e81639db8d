// Frames on the alternate screen: only changed lines are rewritten, by absolute position, inside
// a synchronized update; a resize repaints everything.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { FrameStdout, FrameWriter } from '../../src/tui/frame-writer.ts';

function sink() {
  const writes: string[] = [];
  return { writes, write: (data: string) => writes.push(data) };
}

describe('FrameWriter', () => {
  it('paints the first frame whole, then only the lines that changed', () => {
    const out = sink();
    const writer = new FrameWriter(out, () => 24);
    writer.frame('one\ntwo\nthree');
    assert.equal(out.writes.length, 1);
    assert.match(out.writes[0]!, /^\u001b\[\?2026h\u001b\[2J/);
    assert.match(out.writes[0]!, /\u001b\[1;1Hone\u001b\[0m\u001b\[K\u001b\[2;1Htwo/);
    assert.match(out.writes[0]!, /\u001b\[\?2026l$/);
    writer.frame('one\nTWO\nthree');
    assert.equal(out.writes[1], '\u001b[?2026h\u001b[2;1HTWO\u001b[0m\u001b[K\u001b[?2026l');
    writer.frame('one\nTWO\nthree');
    assert.equal(out.writes.length, 2, 'an unchanged frame writes nothing');
    writer.frame('one');
    assert.equal(out.writes[2], '\u001b[?2026h\u001b[2;1H\u001b[K\u001b[3;1H\u001b[K\u001b[?2026l', 'lines no longer drawn are erased');
  });

  it('held (Ctrl-Z), draws nothing; released, draws the next frame whole', () => {
    const out = sink();
    const writer = new FrameWriter(out, () => 24);
    writer.frame('one\ntwo');
    writer.hold();
    writer.frame('one\nTWO');
    assert.equal(out.writes.length, 1, 'a frame while the terminal is the shell\'s would land on the main screen');
    writer.release();
    writer.frame('one\nTWO');
    assert.equal(out.writes.length, 2);
    assert.match(out.writes[1]!, /\u001b\[2J\u001b\[1;1Hone\u001b\[0m\u001b\[K\u001b\[2;1HTWO/);
  });

  it('never draws below the terminal', () => {
    const out = sink();
    const writer = new FrameWriter(out, () => 2);
    writer.frame('a\nb\nc\nd');
    assert.doesNotMatch(out.writes[0]!, /\u001b\[3;1H/);
  });

  it('repaints everything after a resize', () => {
    const out = sink();
    const terminal = Object.assign(new EventEmitter(), { columns: 80, rows: 24 }) as unknown as NodeJS.WriteStream;
    const writer = new FrameWriter(out, () => 24);
    const stdout = new FrameStdout(terminal, writer);
    let resized = 0;
    stdout.on('resize', () => resized++);
    stdout.write('a\nb');
    (terminal as unknown as { columns: number }).columns = 100;
    terminal.emit('resize');
    assert.equal(resized, 1);
    assert.equal(stdout.columns, 100);
    stdout.write('a\nb');
    assert.match(out.writes[1]!, /\u001b\[2J\u001b\[1;1Ha.*\u001b\[2;1Hb/);
    stdout.close();
    assert.equal(terminal.listenerCount('resize'), 0);
  });
});
