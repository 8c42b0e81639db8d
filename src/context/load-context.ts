// Reading a context file: size and encoding checks, JSON with line and column on error,
// format detection, then zod validation with the JSON path of the first problem.
import { readFile, stat } from 'node:fs/promises';
import type { z } from 'zod';
import { ChatContextSchema, chatToContext, chatToContextAsync, type BatchTokenizer, type ChatContext, type Encoder } from './chat-format.ts';
import type { Context } from './context.ts';
import { ChatPlaceError } from './content-parts.ts';
import { InputError, ScoringError, errorMessage } from '../core/errors.ts';
import { jsonPath, parseJsonWithPlace } from '../core/json-path.ts';
import { NATIVE_FORMAT, NATIVE_VERSION, NativeContextSchema, nativeToContext } from './native-format.ts';
import type { TextTemplate } from './text-template.ts';

/** Far above any real context (a 2M-token native dump is ~20 MB); refuses a stray disk image. */
export const MAX_CONTEXT_BYTES = 256 * 1024 * 1024;

export type ContextFormat = 'chat' | 'native';

export interface LoadedContext {
  readonly path: string;
  readonly format: ContextFormat;
  readonly context: Context;
  /** An agent's log imported on the fly (score --memories): what it was and the rules that marked its memories. */
  readonly imported?: LogImport | undefined;
  /** What was said of the input without stopping it (an imported log's tool definitions), a line each. */
  readonly notes?: readonly string[] | undefined;
}

export interface LogImport {
  readonly log: 'openai' | 'otel';
  readonly rules: readonly string[];
  readonly span?: string | undefined;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

export async function readTextFile(path: string, what = 'file', maxBytes = MAX_CONTEXT_BYTES): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such ${what}`);
    if (code === 'EACCES') throw new InputError(`${path}: permission denied`);
    throw new InputError(`${path}: cannot read (${code ?? 'unknown error'})`);
  }
  if (info.isDirectory()) throw new InputError(`${path}: is a directory, not a ${what}`);
  if (!info.isFile()) throw new InputError(`${path}: not a regular file`);
  if (info.size > maxBytes) throw new InputError(`${path}: ${formatBytes(info.size)} is over the ${formatBytes(maxBytes)} limit for a ${what}`);
  const bytes = await readFile(path);
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new InputError(`${path}: byte ${nul}: binary data (a NUL byte), not a JSON ${what}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: not valid UTF-8 text`);
  }
}

/** The value at a JSON path in parsed data (for a message that names the bad value). */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

type Issue = z.core.$ZodIssue;

/**
 * A union's own issue only says "Invalid input". The branch that took the value's type and failed
 * deeper says what is wrong (a bad content part); when none took it, the types it expected.
 */
function unionIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const typeOnly = (branch: Issue[]) => branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0].path.length === 0;
  const deeper = issue.errors.filter((branch) => branch.length > 0 && !typeOnly(branch));
  if (deeper.length === 1) {
    const inner = deeper[0]![0]!;
    return unionIssue({ ...inner, path: [...issue.path, ...inner.path] });
  }
  if (deeper.length > 0) return issue;
  const expected = issue.errors.map((branch) => (branch[0] as { expected?: string }).expected).join(' or ');
  const received = /received (\w+)/.exec(issue.errors[0]![0]!.message)?.[1];
  return { ...issue, message: `Invalid input: expected ${expected}${received === undefined ? '' : `, received ${received}`}` };
}

/** The first problem zod found, as one line naming the file and the JSON path (under `base`: where `data` sits in the file). */
export function zodProblem(path: string, error: z.ZodError, data: unknown, base: readonly PropertyKey[] = []): InputError {
  const issue = unionIssue(error.issues[0]!);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value') {
    // "Invalid option: expected one of …" leaves out what was there.
    const got = valueAt(data, issue.path);
    const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
    message = `${got === undefined ? 'missing' : `${JSON.stringify(got)} is not allowed`}: expected one of ${choices}`;
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new InputError(`${path}: ${jsonPath([...base, ...issue.path])}: ${message}${more}`);
}

/** How chat-format input is tokenized when not by the built-in tokenizer. */
export interface ChatTokenizing {
  readonly template: TextTemplate;
  /** The tokenizer for a chat file that names `model` (null when it names none). */
  tokenizer(model: string | null): BatchTokenizer;
}

/** A JSON object that is a context (chat or native format): what the session and result readers name when handed one. */
export function looksLikeContext(record: Record<string, unknown>): boolean {
  return 'conversation' in record || record.format === NATIVE_FORMAT;
}

type ParsedDocument = { readonly format: 'native'; readonly context: Context } | { readonly format: 'chat'; readonly chat: ChatContext };

function parseDocument(path: string, text: string): ParsedDocument {
  let data: unknown;
  try {
    data = parseJsonWithPlace(text);
  } catch (error) {
    throw new InputError(`${path}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`${path}: $: expected a JSON object, found ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`);
  }
  const record = data as Record<string, unknown>;
  if ('format' in record) {
    if (record.format === 'memscope-session') throw new InputError(`${path}: this is a session recording, not a context (use "memscope replay")`);
    if (record.format !== NATIVE_FORMAT) throw new InputError(`${path}: $.format: unknown format ${JSON.stringify(record.format)} (expected "${NATIVE_FORMAT}")`);
    if (typeof record.version === 'number' && record.version > NATIVE_VERSION) {
      throw new InputError(`${path}: $.version: format version ${record.version} is newer than this memscope reads (${NATIVE_VERSION}); upgrade memscope`);
    }
    const parsed = NativeContextSchema.safeParse(data);
    if (!parsed.success) throw zodProblem(path, parsed.error, data);
    return { format: 'native', context: nativeToContext(parsed.data) };
  }
  if (!('conversation' in record)) {
    throw new InputError(`${path}: $: not a memscope context: expected "conversation" (chat format) or "format": "${NATIVE_FORMAT}" (native format)`);
  }
  const parsed = ChatContextSchema.safeParse(data);
  if (!parsed.success) throw zodProblem(path, parsed.error, data);
  return { format: 'chat', chat: parsed.data };
}

/** Parses JSON text and validates it with `schema`; errors name the file and the place. */
export function parseJsonFile<T>(path: string, text: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    data = parseJsonWithPlace(text);
  } catch (error) {
    throw new InputError(`${path}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw zodProblem(path, parsed.error, data);
  return parsed.data;
}

/** A chat's problem at a place (a memory a tokenizer merges across) names the file too. */
function inFile<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ChatPlaceError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  }
}

export function parseContext(path: string, text: string, encoder?: Encoder): LoadedContext {
  const document = parseDocument(path, text);
  if (document.format === 'native') return { path, ...document };
  return { path, format: 'chat', context: inFile(path, () => chatToContext(document.chat, encoder)) };
}

/** A parsed chat as a loaded context: tokenized by `tokenizing` when given, else by the built-in tokenizer. */
export async function chatContext(path: string, chat: ChatContext, tokenizing?: ChatTokenizing): Promise<LoadedContext> {
  if (tokenizing === undefined) return { path, format: 'chat', context: inFile(path, () => chatToContext(chat)) };
  try {
    return { path, format: 'chat', context: await chatToContextAsync(chat, tokenizing.tokenizer(chat.model ?? null), tokenizing.template) };
  } catch (error) {
    if (error instanceof ChatPlaceError) throw new InputError(`${path}: ${error.message}`);
    if (error instanceof InputError || (error as Error).name === 'AbortError') throw error;
    throw new ScoringError(`${path}: tokenizing through the server failed: ${errorMessage(error)}`);
  }
}

/** Reads a context file; chat-format input is tokenized by `tokenizing` when given (native input
 *  already holds its token ids and is read as it is). */
export async function loadContext(path: string, tokenizing?: ChatTokenizing): Promise<LoadedContext> {
  const text = await readTextFile(path, 'context file');
  if (tokenizing === undefined) return parseContext(path, text);
  const document = parseDocument(path, text);
  if (document.format === 'native') return { path, ...document };
  return chatContext(path, document.chat, tokenizing);
}
