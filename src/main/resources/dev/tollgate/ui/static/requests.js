import {h, replace, table, field, errorBox} from './dom.js';
import {get, query, ApiFailure} from './api.js';
import {usd, int, ms, time} from './format.js';

const FILTERS = ['key', 'user', 'team', 'model', 'endpoint', 'status'];

export async function requestsPage(body, ctx) {
  const inputs = Object.fromEntries(FILTERS.map(f => [f, h('input', {id: 'req-' + f, value: ctx.params.get(f) || ''})]));
  const out = h('div', {id: 'requests-result'});
  const more = h('div', {id: 'requests-more'});
  let next = null;

  async function load(before) {
    const p = {limit: 50, before};
    for (const f of FILTERS) p[f] = inputs[f].value.trim();
    let r;
    try {
      r = await get('/admin/v1/requests' + query(p));
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 404) {
        replace(out, h('p', {class: 'muted', id: 'requests-unavailable'}, 'This gateway keeps no request records yet (GET /admin/v1/requests).'));
        return;
      }
      throw e;
    }
    const rows = r.data;
    const t = table([
      {title: 'Time', value: x => time(x.time)},
      {title: 'Key', value: x => x.key_id || '—'},
      {title: 'User', value: x => x.user_id || '—'},
      {title: 'Team', value: x => x.team_id || '—'},
      {title: 'Model', value: x => x.model || '—'},
      {title: 'Endpoint', value: x => x.endpoint || '—'},
      {title: 'Status', value: x => String(x.status), class: 'num status-code'},
      {title: 'In', value: x => int(x.input_tokens), class: 'num'},
      {title: 'Out', value: x => int(x.output_tokens), class: 'num'},
      {title: 'Cost', value: x => usd(x.cost_usd), class: 'num cost'},
      {title: 'Latency', value: x => ms(x.latency_ms), class: 'num'},
      {title: 'Findings', value: x => (x.findings || []).map(f => f.policy + ': ' + f.action).join(', ') || '—'},
      {title: '', value: x => x.prompt !== undefined || x.answer !== undefined ? h('details', {},
        h('summary', {}, 'Text'), h('h4', {}, 'Prompt'), h('pre', {}, x.prompt || ''), h('h4', {}, 'Answer'), h('pre', {}, x.answer || '')) : null},
    ], rows, before ? 'No more requests.' : 'No requests match.');
    if (before) out.appendChild(t); else replace(out, t);
    next = r.next || null;
    replace(more, next ? h('button', {type: 'button', id: 'requests-next', onclick: () => load(next).catch(e => out.appendChild(errorBox(e)))}, 'Older') : null);
  }

  body.append(h('form', {class: 'filters', onsubmit: ev => { ev.preventDefault(); load().catch(e => replace(out, errorBox(e))); }},
    FILTERS.map(f => field(f, inputs[f])), h('button', {type: 'submit', id: 'requests-apply'}, 'Filter')), out, more);
  await load();
}
