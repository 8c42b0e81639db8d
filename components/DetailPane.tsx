// The detail pane: the lines src/tui/detail-text.ts lays out, under the matrix.
import type { DetailView } from '../src/tui/detail-text.ts';
import { Lines } from './Lines.tsx';

export function DetailPane({ view, height }: { view: DetailView; height: number }) {
  return <Lines lines={view.lines} height={height} slot="detail" />;
}
