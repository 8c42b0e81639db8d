// --template server | tokenizer_config.json | *.jinja: a chat context rendered with the model's
// own chat template, by the server (vLLM's /tokenize with messages) or here (tokenized by the
// server's /tokenize). The renderings are checked (template-spans.ts) and the AST built from them
// (template-context.ts), so every prompt the run sends is one the template renders; the ranges a
// mode sends over part of the conversation are checked too (template-windows.ts).
import { z } from 'zod';
import { ChatContextSchema, type ChatContext } from '../context/chat-format.ts';
import { readAgentChat } from '../context/import-log.ts';
import type { Context } from '../context/context.ts';
import { isJinjaTemplateFile, loadChatTemplate, type ChatTemplate } from '../context/jinja-template.ts';
import { parseJsonFile, readTextFile, zodProblem, type LoadedContext } from '../context/load-context.ts';
import { templateContext, templateMessages } from '../context/template-context.ts';
import { findTemplateSpans, withoutTrailing } from '../context/template-spans.ts';
import { InputError, ScoringError, errorMessage } from '../core/errors.ts';
import type { EntryRange } from '../scoring/prompt.ts';
import { LocalChatRenderer, ServerChatRenderer, type ChatRenderer } from '../scoring/chat-renderer.ts';
import type { ServerTokenizerOptions } from '../scoring/server-tokenizer.ts';
import { checkTemplateWindows } from '../scoring/template-windows.ts';

/** The model's template: rendered by the server, or a file rendered here. */
export type ModelTemplate = { readonly kind: 'server' } | { readonly kind: 'file'; readonly template: ChatTemplate };

/** --template's value when it names the model's own template; undefined for memscope's text templates. */
export async function parseModelTemplate(spec: string | undefined): Promise<ModelTemplate | undefined> {
  if (spec === 'server') return { kind: 'server' };
  if (spec !== undefined && isJinjaTemplateFile(spec)) return { kind: 'file', template: await loadChatTemplate(spec) };
  return undefined;
}

function rendererFor(template: ModelTemplate, options: ServerTokenizerOptions): ChatRenderer {
  return template.kind === 'server' ? new ServerChatRenderer(options) : new LocalChatRenderer(template.template, options);
}

export function modelTemplateName(template: ModelTemplate): string {
  return template.kind === 'server' ? 'server' : template.template.name;
}

/** A chat-format file, as the model's template renders it. */
async function readChat(file: string, template: ModelTemplate): Promise<ChatContext> {
  const data = parseJsonFile(file, await readTextFile(file, 'context file'), z.record(z.string(), z.unknown()));
  if ('format' in data) throw new InputError(`${file}: --template ${modelTemplateName(template)} renders chat-format contexts; this one is native (its tokens are fixed)`);
  const parsed = ChatContextSchema.safeParse(data);
  if (!parsed.success) throw zodProblem(file, parsed.error, data);
  return parsed.data;
}

/**
 * Reads a chat-format file (or, with `fromLog`, an agent's log imported with those rules) and
 * renders it with the model's template; `ranges` gives the prompt ranges the run's mode sends,
 * checked against the template's own renderings of them.
 */
export async function loadWithModelTemplate(
  file: string,
  template: ModelTemplate,
  options: ServerTokenizerOptions,
  ranges?: (context: Context) => readonly EntryRange[],
  fromLog?: { readonly rules: readonly string[]; readonly span?: string | undefined },
): Promise<LoadedContext & { readonly notes: readonly string[] }> {
  const { chat, imported, notes = [] } = fromLog === undefined ? { chat: await readChat(file, template), imported: undefined } : await readAgentChat(file, fromLog.rules, fromLog.span);
  const model = options.model ?? chat.model ?? null;
  const renderer = rendererFor(template, { ...options, model });
  const name = modelTemplateName(template);
  try {
    if (renderer instanceof ServerChatRenderer) await renderer.probe();
    const messages = templateMessages(chat);
    const spans = await findTemplateSpans(name, messages, renderer.render, renderer.textIds);
    const context = templateContext(chat, messages, spans, name, model ?? 'server');
    if (ranges !== undefined) await checkTemplateWindows(name, context, messages, ranges(context), withoutTrailing(name, renderer.render, spans.trailing));
    return { path: file, format: 'chat', context, notes: [...notes, ...spans.notes], ...(imported !== undefined ? { imported } : {}) };
  } catch (error) {
    if (error instanceof InputError || (error as Error).name === 'AbortError') throw error;
    throw new ScoringError(`${file}: rendering with the model's template failed: ${errorMessage(error)}`);
  } finally {
    await renderer.close();
  }
}
