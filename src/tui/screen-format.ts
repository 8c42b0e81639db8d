// Numbers and times as the screen prints them: fixed widths so columns stay aligned.

/** A divergence in at most 6 columns: 0.000, 12.34, 306.5, 12345. */
export function formatDivergence(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs < 10) return value.toFixed(3);
  if (abs < 100) return value.toFixed(2);
  if (abs < 1000) return value.toFixed(1);
  if (abs < 1e6) return value.toFixed(0);
  return value.toExponential(1);
}

/** A logprob for the detail pane: full precision that still reads. */
export function formatLogprob(value: number): string {
  return value.toFixed(3);
}

/** m:ss, or h:mm:ss from an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `width` columns filled to `fraction`, in eighths of a column. */
export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  return ('█'.repeat(full) + part).padEnd(width);
}

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
