import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
// Places in a JSON document, said the way people read them: $.conversation[3].key, or
// "line 4, column 17" where the text is not JSON at all.

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

export function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Parses JSON; on failure throws an Error whose message says the line and column. */
export function parseJsonWithPlace(text: string): unknown {
  // Nothing at all (often a shell's `> file` that emptied it) is said as such, not as bad JSON.
  if (text.trim() === '') throw new Error('the file is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 often omits the position ("Unexpected token ']'"), so ask a parser that reports one.
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const position = first?.offset ?? Number(/position (\d+)/.exec(String(error))?.[1] ?? text.length);
    const reason = first
      ? printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
      : String((error as Error).message ?? error).split(' in JSON')[0]!;
    const { line, column } = lineColumn(text, position);
    throw new Error(`line ${line}, column ${column}: invalid JSON (${reason})`, { cause: error });
  }
}
