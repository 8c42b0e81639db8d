// Text from contexts is untrusted: a memory can hold "\x1b]52;c;…\x07" (a clipboard write) or a
// bidi override as easily as prose. Everything memscope prints goes through here: controls are
// shown as visible stand-ins, never passed to the terminal.

// C0 controls, DEL, C1 controls, bidi controls, zero-width characters, line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function standIn(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x09) return ' ';
  // C0 and DEL have one-column pictures (␛, ␇, ␊ …), which keep columns aligned.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** One line of untrusted text, safe to print. */
export function neutralize(text: string): string {
  return text.replace(UNSAFE, standIn);
}

/** Untrusted text that may span lines: newlines stay, every other control is neutralised. */
export function neutralizeKeepingNewlines(text: string): string {
  return text.replace(UNSAFE_KEEP_NEWLINES, standIn);
}

// JSON.stringify escapes C0 but passes C1, bidi and zero-width characters through raw.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** JSON whose text holds no raw control, bidi or zero-width character; the value is the same. */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
