// Cutting long keys and paths so that similar ones stay distinct (issue 15, item 5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayWidth, fitMiddle, fitTail } from '../../src/core/display-width.ts';

test('fitMiddle keeps both ends, so keys that differ at the end stay distinct', () => {
  const one = fitMiddle('config-auth-gateway-1', 18);
  const two = fitMiddle('config-auth-gateway-2', 18);
  assert.notEqual(one, two);
  assert.equal(one, 'config…h-gateway-1');
  assert.equal(displayWidth(one), 18);
  assert.equal(fitMiddle('short', 8), 'short   ');
  assert.equal(displayWidth(fitMiddle('宽字符的键名很长很长-1', 9)), 9);
});

test('fitTail keeps the file name of a path', () => {
  assert.equal(fitTail('/tmp/runs/alpha/context.json', 16), '…lpha/context.json'.slice(-16).replace(/^./, '…'));
  assert.match(fitTail('/tmp/a/one.json', 10), /^…one\.json +$|^…\/one\.json$/);
  assert.notEqual(fitTail('/tmp/x/one.json', 10), fitTail('/tmp/x/two.json', 10));
});
