// --template NAME|FILE: a built-in text template by name, or a template file (JSON, checked
// against TemplateFileSchema; `memscope schema template` prints it).
import { InputError } from '../core/errors.ts';
import { parseJsonFile, readTextFile } from './load-context.ts';
import { BUILTIN_TEXT_TEMPLATES, TemplateFileSchema, type TextTemplate } from './text-template.ts';

/** A template file is a few lines; this refuses anything else named by mistake. */
const MAX_TEMPLATE_BYTES = 1024 * 1024;

export async function loadTextTemplate(spec: string): Promise<TextTemplate> {
  const builtin = BUILTIN_TEXT_TEMPLATES[spec];
  if (builtin !== undefined) return builtin;
  // A bare word is a mistyped name more often than a file in the current directory.
  if (/^[\w-]+$/.test(spec)) {
    throw new InputError(`--template: expected ${Object.keys(BUILTIN_TEXT_TEMPLATES).join(', ')} or a template file (a path), got "${spec}"`);
  }
  return parseJsonFile(spec, await readTextFile(spec, 'template file', MAX_TEMPLATE_BYTES), TemplateFileSchema);
}
