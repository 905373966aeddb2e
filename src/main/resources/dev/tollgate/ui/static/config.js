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
      {title: 'Source', value: s => s.source === 'set' ? 'configured' : 'default'},
    ], r.settings || []),
    h('h2', {}, 'Models'),
    table([
      {title: 'Model', value: m => m.id},
      {title: 'Aliases', value: m => (m.aliases || []).join(', ') || '—'},
      {title: 'Deployments', value: m => (m.deployments || []).map(d => h('div', {class: 'deployment'},
        d.provider + ' · ' + d.model + ' · weight ' + d.weight + ' · circuit ', h('span', {class: 'circuit ' + d.circuit}, d.circuit.replace('_', '-'))))},
      {title: 'Fallbacks', value: m => (m.fallbacks || []).join(', ') || '—'},
    ], r.models || [], 'No models configured.'));
}
