// Every command's --help: from the built CLI, exit 0, usage, options, one example; and the
// options it lists are exactly the flags its parser accepts (both come from commands.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, COMMON_FLAGS, commandHelp, mainHelp, parseCommandArgs, type CommandName } from '../../src/cli/commands.ts';
import { HELP_WIDTH, helpWidth } from '../../src/core/flag-spec.ts';
import { parseScoreSettings } from '../../src/run/score-settings.ts';
import { fixture, runCli } from '../support/helpers.ts';

const NAMES = Object.keys(COMMANDS) as CommandName[];

/** The long flags an Options section lists. */
function listedFlags(help: string): string[] {
  const section = /\nOptions:\n([\s\S]*?)\n\n/.exec(help)?.[1] ?? '';
  return [...section.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]!);
}

for (const name of NAMES) {
  test(`memscope ${name} --help and -h: usage, options, an example, exit 0`, async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runCli([name, flag]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, new RegExp(`^Usage: memscope ${name} `));
      assert.match(run.stdout, /\nExample:\n {2}memscope /);
      const listed = listedFlags(run.stdout);
      assert.deepEqual(listed.sort(), Object.keys({ ...COMMANDS[name].flags, ...COMMON_FLAGS }).sort());
    }
  });
}

test('help wins over other words, and `memscope help NAME` is the same text', async () => {
  const a = await runCli(['score', fixture('small.json'), '--bogus', '--help']);
  const b = await runCli(['help', 'score']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const none = await runCli(['help', 'scroe']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^memscope: help: no command "scroe"/);
  // After `--` it is a word, not a flag.
  const word = await runCli(['schema', '--', '--help']);
  assert.equal(word.code, 2);
  assert.match(word.stderr, /schema: expected one of context, .*got "--help"/);
});

test('every listed flag is one the parser accepts, and an unlisted one is refused', async () => {
  for (const name of NAMES) {
    const flags = { ...COMMANDS[name].flags, ...COMMON_FLAGS };
    for (const [flag, spec] of Object.entries(flags)) {
      const args = spec.type === 'string' ? [`--${flag}`, 'x'] : [`--${flag}`];
      if (name === 'score' || name === 'watch') {
        // Unknown flags fail in parsing, before any value is checked.
        await parseScoreSettings(['f.json', ...args]).catch((error: Error) => assert.doesNotMatch(error.message, /unknown option/, `${name} --${flag}`));
      } else if (flag !== 'help') assert.doesNotThrow(() => parseCommandArgs(COMMANDS[name], args.concat(COMMANDS[name].positionals ? ['a'] : [])), `${name} --${flag}`);
    }
    assert.throws(() => parseCommandArgs(COMMANDS[name], ['--no-such-flag']), /unknown option --no-such-flag/);
  }
});

test('the main help lists every command and says how to get its help', async () => {
  const run = await runCli(['--help']);
  assert.equal(run.code, 0);
  for (const name of NAMES) assert.match(run.stdout, new RegExp(`^ {2}memscope ${name} `, 'm'));
  assert.match(run.stdout, /memscope COMMAND --help/);
  for (const line of run.stdout.split('\n')) assert.equal(line, line.trimEnd(), 'no trailing blanks');
});

test('in a terminal narrower than the help, the help is wrapped to it (not cut by the terminal)', async () => {
  assert.equal(helpWidth(undefined), HELP_WIDTH, 'not a terminal: the help\'s own width');
  assert.equal(helpWidth(200), HELP_WIDTH);
  assert.equal(helpWidth(80), 80);
  assert.equal(helpWidth(30), 60, 'too narrow for two columns: the terminal wraps the rest');
  for (const width of [80, 72]) {
    const texts = [mainHelp(width), ...(await Promise.all(NAMES.map((name) => commandHelp(name, width))))];
    for (const text of texts) {
      const lines = text.split('\n');
      // The usage line and the example's command are commands to copy: never broken.
      const prose = lines.filter((line, i) => !line.startsWith('Usage: memscope') && lines[i - 1] !== 'Example:');
      assert.deepEqual(prose.filter((line) => line.length > width), [], `at ${width} columns`);
    }
  }
  // Not a terminal, or a wide one: as before.
  assert.equal(await commandHelp('score'), await commandHelp('score', HELP_WIDTH));
  assert.ok((await commandHelp('score')).split('\n').some((line) => line.length > 80));
});
