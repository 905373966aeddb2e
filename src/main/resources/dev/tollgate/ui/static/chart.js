// Charts drawn with uPlot (a WebJar served by the gateway).
import uPlot from '/ui/vendor/uplot/1.6.30/uPlot.esm.js';
import {h} from './dom.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed'];

/** A time-series chart: times in unix seconds, series [{label, values}]. */
export function timeChart(container, times, series, title) {
  const width = Math.max(320, Math.min(960, (container.clientWidth || 800) - 16));
  const box = h('div', {class: 'chart'});
  container.appendChild(box);
  const opts = {
    title, width, height: 220,
    series: [{}, ...series.map((s, i) => ({label: s.label, stroke: COLORS[i % COLORS.length], width: 2,
      scale: s.scale || 'y', value: (u, v) => v == null ? '—' : s.format ? s.format(v) : v}))],
    axes: [{}, {scale: 'y'}, ...(series.some(s => s.scale === 'y2') ? [{scale: 'y2', side: 1, grid: {show: false}}] : [])],
  };
  return new uPlot(opts, [times, ...series.map(s => s.values)], box);
}

/** Horizontal bars (CSS widths set from script, allowed by the CSP), for grouped totals. */
export function bars(rows, label, value, format) {
  const max = Math.max(0, ...rows.map(value));
  return h('div', {class: 'bars'}, rows.map(r => {
    const bar = h('span', {class: 'bar'});
    bar.style.width = (max > 0 ? (100 * value(r) / max) : 0).toFixed(1) + '%';
    return h('div', {class: 'bar-row'}, h('span', {class: 'bar-label'}, label(r)),
      h('span', {class: 'bar-track'}, bar), h('span', {class: 'bar-value'}, format(value(r))));
  }));
}
