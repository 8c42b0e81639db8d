// The sessions list: the cursor scrolls the list only as far as it must, and the two marked
// sessions are labelled A and B in the order d compares them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { SessionList } from '../../components/SessionList.tsx';
import type { SessionSummary } from '../../src/sessions/session-summary.ts';
import { bindingKeys, settle } from '../support/screen-harness.tsx';
import { SESSION_KEYS } from '../../src/tui/key-table.ts';

const session = (path: string, created: string, context: string): SessionSummary => ({ path, created, context, mode: 'full', memories: 3, responses: 4, state: 'done', size: 100 });

async function mountList(sessions: readonly SessionSummary[], rows: number, extra: { columns?: number; notice?: string; marks?: readonly string[] } = {}) {
  const diffs: [string, string][] = [];
  const source = { subscribe: () => () => undefined, getSnapshot: () => sessions };
  const instance = render(<SessionList source={source} dir="/s" depth="none" size={{ columns: extra.columns ?? 100, rows }} onOpen={() => undefined} onDiff={(a, b) => diffs.push([a, b])} onQuit={() => undefined} notice={extra.notice} marks={extra.marks} />);
  await settle();
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      instance.stdin.write(key);
      await settle();
    }
  };
  return {
    diffs,
    lines: () => stripVTControlCharacters(instance.lastFrame() ?? '').split('\n'),
    press,
    pressKeys: (...bindings: (keyof typeof SESSION_KEYS)[]) => press(...bindingKeys(SESSION_KEYS, ...bindings)),
    unmount: () => instance.unmount(),
  };
}

describe('sessions list', () => {
  it('scrolls only as far as keeps the cursor in view', async () => {
    // Newest first, as the directory lists them; 8 rows leave 4 for sessions.
    const sessions = Array.from({ length: 12 }, (_, i) => session(`/s/${i}.jsonl`, `2026-01-01T00:00:${String(59 - i)}.000Z`, `ctx-${String(i).padStart(2, '0')}.json`));
    const list = await mountList(sessions, 8);
    const shown = () => list.lines().flatMap((l) => /ctx-(\d\d)/.exec(l)?.[1] ?? []);
    assert.deepEqual(shown(), ['00', '01', '02', '03']);
    await list.pressKeys('down', 'down', 'down', 'down', 'down');
    assert.deepEqual(shown(), ['02', '03', '04', '05']);
    await list.pressKeys('up', 'up', 'up');
    assert.deepEqual(shown(), ['02', '03', '04', '05'], 'within the view the list stays');
    await list.pressKeys('up');
    assert.deepEqual(shown(), ['01', '02', '03', '04']);
    await list.pressKeys('last');
    assert.deepEqual(shown(), ['08', '09', '10', '11']);
    list.unmount();
  });

  it('labels the marked pair as d orders it: the older A; of two started together, by path as d sorts', async () => {
    const created = '2026-01-01T00:00:00.000Z';
    // 'a' sorts before 'B' by locale, after it by code unit: both must use the same one.
    const list = await mountList([session('/s/B.jsonl', created, 'ctx-B.json'), session('/s/a.jsonl', created, 'ctx-a.json')], 10);
    await list.pressKeys('mark', 'mark');
    const label = (context: string) => list.lines().find((l) => l.includes(context))?.[0];
    assert.equal(label('ctx-a.json'), 'A');
    assert.equal(label('ctx-B.json'), 'B');
    await list.pressKeys('diff');
    assert.deepEqual(list.diffs, [['/s/a.jsonl', '/s/B.jsonl']]);
    list.unmount();
  });

  it('compares the older run as A', async () => {
    const list = await mountList([session('/s/new.jsonl', '2026-01-02T00:00:00.000Z', 'ctx-new.json'), session('/s/old.jsonl', '2026-01-01T00:00:00.000Z', 'ctx-old.json')], 10);
    await list.pressKeys('down', 'mark', 'up', 'mark', 'diff');
    assert.deepEqual(list.diffs, [['/s/old.jsonl', '/s/new.jsonl']]);
    list.unmount();
  });

  it('keeps the marks in a column of their own, off the timestamp', async () => {
    const list = await mountList([session('/s/new.jsonl', '2026-01-02T00:00:00.000Z', 'ctx-new.json'), session('/s/old.jsonl', '2026-01-01T00:00:00.000Z', 'ctx-old.json')], 10);
    await list.pressKeys('mark', 'mark');
    const row = list.lines().find((l) => l.includes('ctx-new.json'))!;
    assert.match(row, /^B +\S/, 'the mark, then a gap');
    const header = list.lines().find((l) => /time +context/.test(l))!;
    const firstCell = (line: string) => line.search(/\S/);
    assert.equal(firstCell(row.slice(1)) + 1, firstCell(header), 'the timestamp starts under its heading');
    list.unmount();
  });

  it('shows why two sessions could not be compared whole at 80 columns, and keeps their marks', async () => {
    const reason = 'diff: /home/user/.local/state/memscope/sessions/2026-12-04T15-02-11-ctx.jsonl is an interrupted run (34/40 calls): only finished full-matrix runs can be compared';
    const sessions = [session('/s/new.jsonl', '2026-01-02T00:00:00.000Z', 'ctx-new.json'), session('/s/old.jsonl', '2026-01-01T00:00:00.000Z', 'ctx-old.json')];
    const list = await mountList(sessions, 12, { columns: 80, notice: reason, marks: ['/s/old.jsonl', '/s/new.jsonl'] });
    const lines = list.lines();
    assert.ok(lines.every((l) => l.length <= 80));
    assert.equal(lines.map((l) => l.trim()).join(' ').includes(reason), true, lines.join('\n'));
    assert.equal(lines.find((l) => l.includes('ctx-old.json'))?.[0], 'A');
    assert.equal(lines.find((l) => l.includes('ctx-new.json'))?.[0], 'B');
    assert.match(lines.at(-1)!, /diff \(2\/2\)/, 'the keys, with the marks counted, stay on the last line');
    list.unmount();
  });
});
