import {h, replace, table, field, errorBox} from './dom.js';
import {get, put, del} from './api.js';
import {usd, int, limits, budget} from './format.js';

const LIMIT_FIELDS = ['rpm', 'tpm', 'rph', 'rpd', 'concurrent'];

function editForm(kind, existing, onSaved) {
  const id = h('input', {class: 'p-id', value: existing ? existing.id : '', readonly: !!existing, required: true});
  const inputs = Object.fromEntries(LIMIT_FIELDS.map(f => [f, h('input', {type: 'number', min: 1, class: 'p-' + f,
    value: existing && existing.limits && existing.limits[f] ? existing.limits[f] : ''})]));
  const amount = h('input', {type: 'number', min: 0, step: 'any', class: 'p-budget',
    value: existing && existing.budget ? existing.budget.amount_usd : ''});
  const period = h('select', {class: 'p-period'}, ['daily', 'weekly', 'monthly'].map(p => h('option', {value: p}, p)));
  period.value = existing && existing.budget ? existing.budget.period : 'monthly';
  const status = h('div');
  return h('form', {class: 'card edit-' + kind, onsubmit: async ev => {
    ev.preventDefault();
    try {
      const l = {};
      for (const f of LIMIT_FIELDS) if (inputs[f].value) l[f] = Number(inputs[f].value);
      const b = amount.value ? {amount_usd: Number(amount.value), period: period.value} : null;
      await put('/admin/v1/' + kind + 's/' + encodeURIComponent(id.value.trim()), {limits: l, budget: b});
      replace(status);
      await onSaved();
    } catch (e) {
      replace(status, errorBox(e));
    }
  }},
    h('h3', {}, existing ? 'Edit ' + kind + ' ' + existing.id : 'New ' + kind + ' limits'),
    h('div', {class: 'grid'}, field('Id', id), LIMIT_FIELDS.map(f => field(f, inputs[f])), field('Budget (USD)', amount), field('Period', period)),
    h('button', {type: 'submit'}, 'Save'), status);
}

async function section(kind, container, ctx, spend, keys) {
  const r = await get('/admin/v1/' + kind + 's');
  const known = new Map(r.data.map(p => [p.id, p]));
  // Users and teams named on keys appear even without their own limits.
  for (const k of keys) if (k[kind] && !known.has(k[kind])) known.set(k[kind], {id: k[kind], limits: {}, budget: null});
  const rows = [...known.values()].sort((a, b) => a.id.localeCompare(b.id));
  const editBox = h('div');
  const reload = async () => { await principalsPageBody(container.parentElement, ctx); };
  replace(container,
    h('h2', {}, kind === 'user' ? 'Users' : 'Teams'),
    table([
      {title: 'Id', value: p => p.id, class: 'p-name'},
      {title: 'Limits', value: p => limits(p.limits)},
      {title: 'Budget', value: p => budget(p.budget)},
      {title: 'Spend (30 days)', value: p => usd(spend.get(p.id) || 0), class: 'num'},
      {title: 'Keys', value: p => h('a', {href: '#/keys?' + kind + '=' + encodeURIComponent(p.id)},
        int(keys.filter(k => k[kind] === p.id).length))},
      {title: '', value: p => ctx.canChange ? h('span', {},
        h('button', {type: 'button', onclick: () => replace(editBox, editForm(kind, p, reload))}, 'Edit'), ' ',
        h('button', {type: 'button', class: 'danger', onclick: async () => {
          if (!confirm('Remove the limits and budget of ' + p.id + '?')) return;
          try { await del('/admin/v1/' + kind + 's/' + encodeURIComponent(p.id)); await reload(); }
          catch (e) { replace(editBox, errorBox(e)); }
        }}, 'Delete')) : null},
    ], rows, 'None yet.'),
    editBox,
    ctx.canChange ? editForm(kind, null, reload) : null);
}

async function principalsPageBody(body, ctx) {
  const [keys, users, teams] = await Promise.all([get('/admin/v1/keys'), get('/admin/v1/usage?group_by=user'), get('/admin/v1/usage?group_by=team')]);
  const spendOf = r => new Map(r.data.map(x => [x.group, x.cost_usd]));
  const u = h('section', {id: 'users'});
  const t = h('section', {id: 'teams'});
  replace(body, u, t);
  await section('user', u, ctx, spendOf(users), keys.data);
  await section('team', t, ctx, spendOf(teams), keys.data);
}

export async function principalsPage(body, ctx) {
  await principalsPageBody(body, ctx);
}
