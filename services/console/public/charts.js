/* global document */
// ALERT score charts with uPlot (served from node_modules at /vendor/uplot/).
import uPlot from '/vendor/uplot/uPlot.esm.js';

const palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** Aligns [{ label, points: [{ t (epoch ms), y }] }] on one time axis (seconds), null where absent. */
function align(series) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const p of s.points) col[index.get(p.t)] = p.y;
    return col;
  });
  return [xs.map((t) => t / 1000), ...ys];
}

/**
 * Draws (or redraws) a 0..1 score chart into `container`; returns the uPlot instance.
 * `series`: [{ label, points: [{ t, y }], dash?, color? (palette index, default the position) }]
 */
export function scoreChart(container, title, series) {
  container.replaceChildren();
  if (series.every((s) => s.points.length === 0)) {
    container.append(
      Object.assign(document.createElement('p'), {
        className: 'muted',
        textContent: `${title}: no scores yet`,
      }),
    );
    return undefined;
  }
  const opts = {
    title,
    width: Math.max(320, container.clientWidth || 640),
    height: 220,
    scales: { y: { range: [0, 1] } },
    axes: [{}, { label: 'composite', size: 50 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: palette[(s.color ?? i) % palette.length],
        width: 2,
        spanGaps: true,
        ...(s.dash ? { dash: [6, 4] } : {}),
      })),
    ],
  };
  return new uPlot(opts, align(series), container);
}
