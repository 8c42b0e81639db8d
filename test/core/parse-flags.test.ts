// Flag errors name the flag, suggest the nearest known one and say the value expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearestFlag, parseFlags } from '../../src/core/parse-flags.ts';

const options = { concurrency: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string', short: 'f' } } as const;
const parse = (...args: string[]) => parseFlags({ args, options, strict: true, allowPositionals: false }, { timeout: 'seconds, more than 0', format: 'one of csv, json' });

test('a typo gets the nearest known flag; nonsense gets none', () => {
  assert.equal(nearestFlag('concurency', Object.keys(options)), 'concurrency');
  assert.equal(nearestFlag('timeuot', Object.keys(options)), 'timeout');
  assert.equal(nearestFlag('conc', Object.keys(options)), 'concurrency');
  assert.equal(nearestFlag('xyzzy', Object.keys(options)), undefined);
  assert.throws(() => parse('--concurency', '3'), { message: 'unknown option --concurency: did you mean --concurrency? (--help lists the options)' });
});

test('a missing or dash-led value, a value on a switch, a stray word: each said plainly', () => {
  assert.throws(() => parse('--timeout'), { message: '--timeout needs a value: seconds, more than 0' });
  assert.throws(() => parse('-f'), { message: '--format needs a value: one of csv, json' });
  assert.throws(() => parse('--timeout', '-1'), { message: '--timeout: expected seconds, more than 0, got "-1" (a value starting with "-" goes as --timeout=-1)' });
  assert.throws(() => parse('--json=yes'), { message: '--json takes no value (it is a switch: give it or leave it out)' });
  assert.throws(() => parse('stray'), { message: 'unexpected argument "stray": this command takes no file or word, only options' });
  assert.equal(parse('--timeout=-1').values.timeout, '-1');
});
