import {h, replace, table, field, errorBox} from './dom.js';
import {get, query} from './api.js';
import {usd, int, day} from './format.js';
import {timeChart, bars} from './chart.js';

const GROUPS = ['key', 'user', 'team', 'model', 'endpoint', 'day'];

export async function usagePage(body, ctx) {
  const now = new Date();
  const by = h('select', {id: 'usage-group'}, GROUPS.map(g => h('option', {value: g}, g)));
  by.value = GROUPS.includes(ctx.params.get('group_by')) ? ctx.params.get('group_by') : 'model';
  const from = h('input', {type: 'date', id: 'usage-from', value: ctx.params.get('from') || day(new Date(now.getTime() - 29 * 86400000))});
  const to = h('input', {type: 'date', id: 'usage-to', value: ctx.params.get('to') || day(now)});
  const csv = h('a', {id: 'usage-csv', class: 'button', download: 'usage.csv'}, 'Export CSV');
  const out = h('div', {id: 'usage-result'});

  function params() {
    // "to" is a whole day: the report runs to the next midnight.
    const end = new Date(to.value + 'T00:00:00Z');
    return {group_by: by.value, from: from.value, to: isNaN(end) ? '' : day(new Date(end.getTime() + 86400000))};
  }

  async function load() {
    const p = params();
    csv.setAttribute('href', '/admin/v1/usage' + query({...p, format: 'csv'}));
    const r = await get('/admin/v1/usage' + query(p));
    const rows = r.data;
    const parts = [
      h('div', {class: 'totals', id: 'usage-totals'},
        h('div', {class: 'stat'}, h('span', {}, 'Requests'), h('strong', {id: 'usage-total-requests'}, int(r.total.requests))),
        h('div', {class: 'stat'}, h('span', {}, 'Input tokens'), h('strong', {id: 'usage-total-input'}, int(r.total.input_tokens))),
        h('div', {class: 'stat'}, h('span', {}, 'Output tokens'), h('strong', {id: 'usage-total-output'}, int(r.total.output_tokens))),
        h('div', {class: 'stat'}, h('span', {}, 'Cost'), h('strong', {id: 'usage-total-cost'}, usd(r.total.cost_usd)))),
    ];
    const chartBox = h('div', {class: 'chart-box'});
    parts.push(chartBox);
    parts.push(table([
      {title: r.group_by, value: x => x.group === null || x.group === undefined ? '(none)' : x.group, class: 'group'},
      {title: 'Requests', value: x => int(x.requests), class: 'num requests'},
      {title: 'Input tokens', value: x => int(x.input_tokens), class: 'num'},
      {title: 'Cached input', value: x => int(x.cached_input_tokens), class: 'num'},
      {title: 'Output tokens', value: x => int(x.output_tokens), class: 'num'},
      {title: 'Reasoning', value: x => int(x.reasoning_tokens), class: 'num'},
      {title: 'Cost', value: x => usd(x.cost_usd), class: 'num cost'},
    ], rows, 'No usage in this range.'));
    replace(out, parts);
    if (rows.length && r.group_by === 'day') {
      // Every day of the range, empty days as zero, so one busy day still draws as a day among others.
      const byDay = new Map(rows.map(x => [x.group, x]));
      const days = [];
      for (let d = Date.parse(from.value + 'T00:00:00Z'); d <= Date.parse(to.value + 'T00:00:00Z') && days.length < 400; d += 86400000) days.push(d);
      const at = d => byDay.get(new Date(d).toISOString().slice(0, 10));
      timeChart(chartBox, days.map(d => d / 1000), [
        {label: 'Requests', values: days.map(d => at(d) ? at(d).requests : 0)},
        {label: 'Cost (USD)', values: days.map(d => at(d) ? at(d).cost_usd : 0), scale: 'y2', format: usd},
      ], 'Per day');
    } else if (rows.length) {
      chartBox.appendChild(bars([...rows].sort((a, b) => b.cost_usd - a.cost_usd).slice(0, 15),
        x => x.group === null || x.group === undefined ? '(none)' : x.group, x => x.cost_usd, usd));
    }
  }

  body.append(h('form', {class: 'filters', onsubmit: ev => { ev.preventDefault(); load().catch(e => replace(out, errorBox(e))); }},
    field('Group by', by), field('From', from), field('To', to),
    h('button', {type: 'submit', id: 'usage-apply'}, 'Show'), csv), out);
  await load();
}
