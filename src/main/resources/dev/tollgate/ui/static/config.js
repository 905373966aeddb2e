import {h, replace, table, errorBox} from './dom.js';
import {get, ApiFailure} from './api.js';

export async function configPage(body, ctx) {
  let r;
  try {
    r = await get('/admin/v1/config');
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 404) {
      body.append(h('p', {class: 'muted'}, 'This gateway does not publish its configuration (GET /admin/v1/config).'));
      return;
    }
    throw e;
  }
  body.append(
    h('h2', {}, 'Settings'),
    table([
      {title: 'Setting', value: s => h('code', {}, s.name)},
      {title: 'Value', value: s => s.secret ? (s.set ? 'set' : 'unset') : (s.value === null || s.value === undefined ? '—' : String(s.value)), class: 'setting-value'},
      {title: 'Source', value: s => s.source || '—'},
    ], r.settings || []),
    h('h2', {}, 'Models'),
    table([
      {title: 'Model', value: m => m.id},
      {title: 'Deployments', value: m => (m.deployments || []).map(d => d.name + ' (' + d.circuit + ')').join(', ') || '—'},
    ], r.models || [], 'No models configured.'));
}
