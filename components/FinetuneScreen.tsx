// Fine-tune mode's screen: the candidate responses as a ranked list, the cursor on a response.
import { useMemo } from 'react';
import { selectedIndex } from '../src/tui/screen-nav.ts';
import { FinetuneView, finetuneRows } from './FinetuneView.tsx';
import { RunFrame, bodyArea, useRunShell, type ModeScreenProps } from './RunFrame.tsx';
import { useCursorScroll } from './use-cursor-scroll.ts';

export function FinetuneScreen(props: ModeScreenProps) {
  const { state, texts } = props;
  const shell = useRunShell(props);
  const { nav, theme, screen } = shell;
  const { responses, result } = state;
  const candidates = useMemo(() => finetuneRows(responses, result), [responses, result]);
  // The filter matches entry numbers; `s` switches between rank and conversation order.
  const shown = useMemo(() => {
    const kept = nav.filter === '' ? candidates : candidates.filter((r) => String(r.entry).includes(nav.filter));
    return nav.sort === 'key' ? [...kept].sort((a, b) => a.entry - b.entry) : kept;
  }, [candidates, nav.filter, nav.sort]);
  const rows = useMemo(() => shown.map((r) => String(r.entry)), [shown]);

  const area = bodyArea(state, shell, 0);
  const cursor = selectedIndex(nav, rows);
  const { top } = useCursorScroll(cursor, 0, area.visibleRows, 1, rows.length, 0);
  return (
    <RunFrame
      props={props}
      shell={shell}
      area={area}
      body={<FinetuneView state={state} rows={shown} texts={texts} cursor={cursor} top={top} width={screen.width} height={area.height} theme={theme} />}
      keys={{ rows, columns: 0, pageRows: area.visibleRows, pageColumns: 1 }}
      total={candidates.length}
      sortLabel={nav.sort === 'key' ? 'entry' : 'rank'}
      legendMax={undefined}
      target={{ column: 0, candidate: shown[cursor] }}
    />
  );
}
