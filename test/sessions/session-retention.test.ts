// The sessions directory keeps the newest sessions only.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SESSIONS_KEEP, formatSize, pruneSessions, prunedNotice, sessionsKeep } from '../../src/sessions/session-retention.ts';
import { fixture, runCli } from '../support/helpers.ts';

test('keeps the newest sessions by modification time, never the one being recorded, and leaves other files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memscope-keep-'));
  try {
    for (let i = 0; i < 8; i++) {
      const path = join(dir, `s${i}.jsonl`);
      writeFileSync(path, '{}\n');
      utimesSync(path, 1_000 + i, 1_000 + i);
    }
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    // The oldest file is the one being recorded (a clock set back): it stays.
    assert.equal(pruneSessions(dir, 5, join(dir, 's0.jsonl')), 2);
    assert.deepEqual(readdirSync(dir).sort(), ['notes.txt', 's0.jsonl', 's3.jsonl', 's4.jsonl', 's5.jsonl', 's6.jsonl', 's7.jsonl']);
    assert.equal(pruneSessions(dir, 100), 0);
    assert.equal(pruneSessions(join(dir, 'missing'), 1), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MEMSCOPE_SESSIONS_KEEP: a whole number or "all"; 100 by default', () => {
  assert.equal(sessionsKeep({}), DEFAULT_SESSIONS_KEEP);
  assert.equal(DEFAULT_SESSIONS_KEEP, 100);
  assert.equal(sessionsKeep({ MEMSCOPE_SESSIONS_KEEP: '7' }), 7);
  assert.equal(sessionsKeep({ MEMSCOPE_SESSIONS_KEEP: 'all' }), Infinity);
  assert.throws(() => sessionsKeep({ MEMSCOPE_SESSIONS_KEEP: '0' }), /MEMSCOPE_SESSIONS_KEEP: expected a whole number ≥ 1 or "all", got "0"/);
  assert.throws(() => sessionsKeep({ MEMSCOPE_SESSIONS_KEEP: 'lots' }), /got "lots"/);
  assert.equal(formatSize(980), '980 B');
  assert.equal(formatSize(4_300_000), '4.3 MB');
});

test('retention says what it removed in one line, and nothing when it removed nothing', () => {
  assert.equal(prunedNotice(0, '/s', 100), undefined);
  assert.equal(prunedNotice(1, '/s', 100), 'removed the 1 oldest session from /s: it keeps the newest 100 (MEMSCOPE_SESSIONS_KEEP)');
  assert.equal(prunedNotice(3, '/s', 2), 'removed the 3 oldest sessions from /s: it keeps the newest 2 (MEMSCOPE_SESSIONS_KEEP)');
});

test('a bad MEMSCOPE_SESSIONS_KEEP fails before `memscope sessions` prints anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'memscope-keep-'));
  try {
    assert.equal((await runCli(['score', fixture('small.json'), '--record', join(dir, 'a.jsonl')])).code, 0);
    for (const args of [['--headless'], ['--json']]) {
      const run = await runCli(['sessions', '--dir', dir, ...args], { env: { MEMSCOPE_SESSIONS_KEEP: 'abc' } });
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, 'memscope: MEMSCOPE_SESSIONS_KEEP: expected a whole number ≥ 1 or "all", got "abc"\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
