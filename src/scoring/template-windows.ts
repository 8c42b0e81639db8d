// The prompts a mode sends over part of the conversation (single's window after a memory,
// incremental's): under a model's own template they must be what the template renders for those
// messages, which a template that moves text across turns (Gemma's system message, folded into
// the first user turn) does not give. Each such range is rendered and compared before any call.
import type { Context } from '../context/context.ts';
import type { RenderIds, TemplateMessage } from '../context/template-spans.ts';
import { renderMessages } from '../context/template-spans.ts';
import { InputError } from '../core/errors.ts';
import { buildPrompt, NO_FILTER, type EntryRange } from './prompt.ts';

/** Throws InputError naming the first range whose prompt the template would not render. */
export async function checkTemplateWindows(name: string, context: Context, messages: readonly TemplateMessage[], ranges: readonly EntryRange[], render: RenderIds): Promise<void> {
  const conversation = context.sections.conversation.length;
  const fixed = messages.length - conversation;
  const plain = renderMessages(messages);
  const distinct = new Map<string, EntryRange>();
  // A range from the start is a prefix of the list: prefix-stability already checked it.
  for (const range of ranges) if (range.start > 0 && range.end > range.start) distinct.set(`${range.start}:${range.end}`, range);
  const results = await Promise.all(
    [...distinct.values()].map(async (range) => {
      const rendered = await render([...plain.slice(0, fixed), ...plain.slice(fixed + range.start, fixed + range.end)]);
      const built = buildPrompt(context, range, NO_FILTER);
      return { range, same: rendered.length === built.length && rendered.every((id, i) => id === built[i]) };
    }),
  );
  const broken = results.find((r) => !r.same);
  if (broken !== undefined) {
    throw new InputError(
      `template ${name}: the prompt over conversation messages ${broken.range.start + 1}-${broken.range.end} is not what the template renders for them (it moves text across turns); memscope refuses this mode with it: use --mode full`,
    );
  }
}
