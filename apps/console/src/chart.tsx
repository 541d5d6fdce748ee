import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

/** Daily counts as bars-like stepped lines (uPlot draws on a canvas: no inline styles, CSP-safe). */
export function DailyChart({ days, series, label }: { days: string[]; series: { label: string; values: number[]; color: string }[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'messages' }],
        series: [
          {},
          ...series.map((line) => ({ label: line.label, stroke: line.color, width: 2, fill: `${line.color}22`, paths: uPlot.paths.stepped?.({ align: 1 }) })),
        ],
      },
      [xs, ...series.map((line) => line.values)],
      element,
    );
    const resize = () => plot.setSize({ width: width(), height: 240 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [days, series]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
