import {h, replace, table, field, errorBox} from './dom.js';
import {get, query, ApiFailure} from './api.js';
import {usd, int, pct, ms} from './format.js';
import {timeChart} from './chart.js';

const PERIODS = {'24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400};

function top(title, rows, id) {
  return h('div', {class: 'card top', id: 'top-' + id}, h('h2', {}, title), table([
    {title: '', value: r => r.id === null || r.id === undefined ? '(none)' : r.id},
    {title: 'Requests', value: r => int(r.requests), class: 'num'},
    {title: 'Spend', value: r => usd(r.cost_usd), class: 'num'},
  ], rows || [], 'None.'));
}

export async function overviewPage(body, ctx) {
  const period = h('select', {id: 'overview-period'}, Object.keys(PERIODS).map(p => h('option', {value: p}, 'last ' + p)));
  period.value = PERIODS[ctx.params.get('period')] ? ctx.params.get('period') : '7d';
  const out = h('div', {id: 'overview-result'});

  async function load() {
    const now = Math.floor(Date.now() / 1000);
    const span = PERIODS[period.value];
    let r;
    try {
      r = await get('/admin/v1/stats/overview' + query({from: now - span, to: now + 1, bucket: span > 86400 ? 'day' : 'hour'}));
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 404) {
        replace(out, h('p', {class: 'muted', id: 'overview-unavailable'},
          'This gateway has no overview statistics yet (GET /admin/v1/stats/overview). See Usage.'));
        return;
      }
      throw e;
    }
    const stat = (label, value, id) => h('div', {class: 'stat'}, h('span', {}, label), h('strong', {id}, value));
    const charts = h('div', {class: 'chart-box'});
    replace(out,
      h('div', {class: 'totals'},
        stat('Requests', int(r.requests), 'ov-requests'), stat('Spend', usd(r.cost_usd), 'ov-cost'),
        stat('Input tokens', int(r.input_tokens), 'ov-input'), stat('Output tokens', int(r.output_tokens), 'ov-output'),
        stat('Error rate', pct(r.error_rate), 'ov-error-rate'),
        stat('Latency p50', ms(r.latency_ms && r.latency_ms.p50), 'ov-p50'), stat('Latency p95', ms(r.latency_ms && r.latency_ms.p95), 'ov-p95')),
      charts,
      h('div', {class: 'tops'}, top('Top models', r.top && r.top.models, 'models'), top('Top keys', r.top && r.top.keys, 'keys'),
        top('Top users', r.top && r.top.users, 'users'), top('Top teams', r.top && r.top.teams, 'teams')));
    const series = r.series || [];
    if (series.length) {
      const t = series.map(s => typeof s.t === 'number' ? s.t : Date.parse(s.t) / 1000);
      timeChart(charts, t, [
        {label: 'Requests', values: series.map(s => s.requests)},
        {label: 'Errors', values: series.map(s => s.errors)},
      ], 'Requests');
      timeChart(charts, t, [
        {label: 'Spend (USD)', values: series.map(s => s.cost_usd), format: usd},
      ], 'Spend');
      timeChart(charts, t, [
        {label: 'Input tokens', values: series.map(s => s.input_tokens)},
        {label: 'Output tokens', values: series.map(s => s.output_tokens)},
      ], 'Tokens');
    }
  }

  period.addEventListener('change', () => load().catch(e => replace(out, errorBox(e))));
  body.append(h('div', {class: 'filters'}, field('Period', period)), out);
  await load();
}
