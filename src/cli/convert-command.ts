// `memscope convert <file>`: a context in native form (token ids for every node), tokenized by
// the built-in tokenizer or a server's.
import { writeFileAtomic } from '../core/atomic-write.ts';
import { checkOutputFolder } from '../core/output-folder.ts';
import { Interrupt, trapSignals, type CliIo } from './cli-io.ts';
import { InputError } from '../core/errors.ts';
import { COMMANDS, parseCommandArgs } from './commands.ts';
import type { LoadedContext } from '../context/load-context.ts';
import { contextToNative } from '../context/native-format.ts';
import { neutralize, safeJson } from '../core/sanitize.ts';
import { DEFAULT_TIMEOUT_SECONDS, checkUrl, parseDuration, parseTokenizing, readApiKey } from '../run/score-settings.ts';
import { loadWithTokenizer } from '../run/scoring-run.ts';
import { loadWithModelTemplate } from '../run/model-template.ts';

export async function convert(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMANDS.convert, args);
  if (positionals.length !== 1) throw new InputError('convert: name one context file');
  if (values.output !== undefined) checkOutputFolder('-o', values.output);
  const urls = values.url === undefined ? [] : [checkUrl(values.url)];
  const { tokenizer, template, modelTemplate } = await parseTokenizing(values, urls);
  if (tokenizer !== 'server') {
    for (const flag of ['url', 'model', 'api-key-env', 'api-key-file', 'timeout'] as const) {
      if (values[flag] !== undefined) throw new InputError(`--${flag} goes with --tokenizer server`);
    }
  }
  const timeoutSeconds = parseDuration('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS);
  if (timeoutSeconds <= 0) throw new InputError('--timeout: must be more than 0');
  const controller = new AbortController();
  const signals = trapSignals(controller);
  let loaded: LoadedContext;
  try {
    const server = {
      url: urls[0]!,
      model: values.model ?? null,
      apiKey: await readApiKey(values['api-key-env'], values['api-key-file'], io.env),
      timeoutMs: timeoutSeconds * 1000,
      signal: controller.signal,
    };
    // The model's own template: the native context holds the tokens it renders.
    if (modelTemplate !== undefined) loaded = await loadWithModelTemplate(positionals[0]!, modelTemplate, server);
    else loaded = await loadWithTokenizer(positionals[0]!, tokenizer === 'server' ? { ...server, template: template! } : undefined);
  } catch (error) {
    const code = signals.exitCode();
    if (code !== undefined) throw new Interrupt(code);
    throw error;
  } finally {
    signals.release();
  }
  const text = `${safeJson(contextToNative(loaded.context))}\n`;
  if (values.output === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(values.output, text);
    io.stderr.write(`wrote ${neutralize(values.output)} (native format, ${loaded.format} input)\n`);
  }
  return 0;
}

