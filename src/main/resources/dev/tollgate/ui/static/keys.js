import {h, replace, table, field, errorBox} from './dom.js';
import {get, post, patch, query} from './api.js';
import {time, limits, budget, usd, day} from './format.js';

function list(v) {
  return v.split(',').map(s => s.trim()).filter(Boolean);
}

function labelsOf(v) {
  const out = {};
  for (const part of list(v)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error('Labels are name=value pairs separated by commas.');
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function numberOrNull(input) {
  return input.value === '' ? null : Number(input.value);
}

/** The secret of a new or rotated key: shown once, with a copy button. */
function secretBox(key, note) {
  const secret = h('code', {id: 'new-key-secret'}, key.key);
  const copied = h('span', {class: 'muted', id: 'copy-status'});
  return h('div', {class: 'card secret', id: 'new-key'},
    h('p', {}, note),
    h('p', {}, secret, ' ',
      h('button', {type: 'button', id: 'copy-secret', onclick: async () => {
        try { await navigator.clipboard.writeText(key.key); copied.textContent = 'Copied.'; }
        catch (e) { copied.textContent = 'Select the text and copy it.'; }
      }}, 'Copy'), ' ', copied),
    h('p', {class: 'muted'}, 'This secret is not shown again: the gateway keeps only its hash.'));
}

function createForm(ctx, onCreated) {
  const name = h('input', {id: 'key-name', maxlength: 200});
  const user = h('input', {id: 'key-user'});
  const team = h('input', {id: 'key-team'});
  const labels = h('input', {id: 'key-labels', placeholder: 'env=prod, app=chat'});
  const models = h('input', {id: 'key-models', placeholder: 'all models'});
  const endpoints = h('input', {id: 'key-endpoints', placeholder: 'all endpoints'});
  const rpm = h('input', {id: 'key-rpm', type: 'number', min: 1});
  const tpm = h('input', {id: 'key-tpm', type: 'number', min: 1});
  const amount = h('input', {id: 'key-budget', type: 'number', min: 0, step: 'any'});
  const period = h('select', {id: 'key-period'}, ['daily', 'weekly', 'monthly'].map(p => h('option', {value: p}, p)));
  period.value = 'monthly';
  const days = h('input', {id: 'key-expires-days', type: 'number', min: 1});
  const status = h('div');
  return h('form', {id: 'create-key', class: 'card', onsubmit: async ev => {
    ev.preventDefault();
    try {
      const spec = {};
      if (name.value) spec.name = name.value;
      if (user.value) spec.user = user.value.trim();
      if (team.value) spec.team = team.value.trim();
      if (labels.value) spec.labels = labelsOf(labels.value);
      if (models.value) spec.allowed_models = list(models.value);
      if (endpoints.value) spec.allowed_endpoints = list(endpoints.value);
      const l = {};
      if (rpm.value) l.rpm = numberOrNull(rpm);
      if (tpm.value) l.tpm = numberOrNull(tpm);
      if (Object.keys(l).length) spec.limits = l;
      if (amount.value) spec.budget = {amount_usd: numberOrNull(amount), period: period.value};
      if (days.value) spec.expires_in = Number(days.value) * 86400;
      const key = await post('/admin/v1/keys', spec);
      replace(status);
      ev.target.reset();
      period.value = 'monthly';
      onCreated(key);
    } catch (e) {
      replace(status, errorBox(e));
    }
  }},
    h('h2', {}, 'New key'),
    h('div', {class: 'grid'}, field('Name', name), field('User', user), field('Team', team), field('Labels', labels),
      field('Allowed models (comma-separated)', models), field('Allowed endpoints', endpoints),
      field('Requests per minute', rpm), field('Tokens per minute', tpm),
      field('Budget (USD)', amount), field('Budget period', period), field('Expires in (days)', days)),
    h('button', {type: 'submit', id: 'create-key-button'}, 'Create key'),
    status);
}

/** The start of a budget's current period, UTC (weeks start on Monday), as YYYY-MM-DD; null for a total budget. */
function periodStart(period, now) {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === 'daily') return day(d);
  if (period === 'weekly') return day(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86400000));
  if (period === 'monthly') return day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  return null;
}

/** Each budgeted key's spend in its budget's current period (one usage query per period kind). */
async function spendInPeriod(keys) {
  const out = new Map();
  const periods = [...new Set(keys.filter(k => k.budget).map(k => k.budget.period))];
  for (const p of periods) {
    const from = periodStart(p, new Date());
    const r = await get('/admin/v1/usage' + query({group_by: 'key', from: from || '1970-01-01'}));
    for (const row of r.data) out.set(p + ':' + row.group, row.cost_usd);
  }
  return k => k.budget ? (out.get(k.budget.period + ':' + k.id) || 0) : null;
}

function burnDown(k, spent) {
  if (!k.budget) return '—';
  const share = k.budget.amount_usd > 0 ? Math.min(1, spent / k.budget.amount_usd) : 1;
  const bar = h('span', {class: 'bar' + (share >= 1 ? ' over' : '')});
  bar.style.width = (share * 100).toFixed(1) + '%';
  return h('div', {class: 'burn'}, h('div', {}, usd(spent) + ' of ' + budget(k.budget)), h('span', {class: 'bar-track'}, bar));
}

function editForm(k, onSaved, onCancel) {
  const name = h('input', {class: 'edit-name', value: k.name || '', maxlength: 200});
  const labels = h('input', {class: 'edit-labels', value: Object.entries(k.labels || {}).map(([a, b]) => a + '=' + b).join(', ')});
  const models = h('input', {class: 'edit-models', value: (k.allowed_models || []).join(', '), placeholder: 'all models'});
  const endpoints = h('input', {class: 'edit-endpoints', value: (k.allowed_endpoints || []).join(', '), placeholder: 'all endpoints'});
  const rpm = h('input', {class: 'edit-rpm', type: 'number', min: 1, value: k.limits && k.limits.rpm ? k.limits.rpm : ''});
  const tpm = h('input', {class: 'edit-tpm', type: 'number', min: 1, value: k.limits && k.limits.tpm ? k.limits.tpm : ''});
  const amount = h('input', {class: 'edit-budget', type: 'number', min: 0, step: 'any', value: k.budget ? k.budget.amount_usd : ''});
  const period = h('select', {class: 'edit-period'}, ['daily', 'weekly', 'monthly', 'total'].map(p => h('option', {value: p}, p)));
  period.value = k.budget ? k.budget.period : 'monthly';
  const status = h('div');
  return h('form', {class: 'card', id: 'edit-key', onsubmit: async ev => {
    ev.preventDefault();
    try {
      // Other limits (rph, rpd, concurrent) are kept as they are.
      const l = Object.assign({}, k.limits || {});
      delete l.rpm; delete l.tpm;
      if (rpm.value) l.rpm = Number(rpm.value);
      if (tpm.value) l.tpm = Number(tpm.value);
      await patch('/admin/v1/keys/' + encodeURIComponent(k.id), {
        name: name.value, labels: labels.value ? labelsOf(labels.value) : {},
        allowed_models: list(models.value), allowed_endpoints: list(endpoints.value), limits: l,
        budget: amount.value ? {amount_usd: Number(amount.value), period: period.value} : null,
      });
      await onSaved();
    } catch (e) {
      replace(status, errorBox(e));
    }
  }},
    h('h2', {}, 'Edit key ' + (k.name || k.prefix)),
    h('div', {class: 'grid'}, field('Name', name), field('Labels', labels), field('Allowed models', models),
      field('Allowed endpoints', endpoints), field('Requests per minute', rpm), field('Tokens per minute', tpm),
      field('Budget (USD)', amount), field('Budget period', period)),
    h('button', {type: 'submit', id: 'save-key'}, 'Save'), ' ',
    h('button', {type: 'button', class: 'danger', onclick: onCancel}, 'Cancel'),
    status);
}

export async function keysPage(body, ctx) {
  const userFilter = h('input', {id: 'filter-user', value: ctx.params.get('user') || ''});
  const teamFilter = h('input', {id: 'filter-team', value: ctx.params.get('team') || ''});
  const statusFilter = h('select', {id: 'filter-status'}, ['', 'active', 'revoked', 'expired'].map(s => h('option', {value: s}, s || 'any status')));
  const textFilter = h('input', {id: 'filter-text', placeholder: 'name, prefix or label'});
  const news = h('div', {id: 'key-news'});
  const listBox = h('div', {id: 'key-list'});

  async function load() {
    const r = await get('/admin/v1/keys' + query({user: userFilter.value.trim(), team: teamFilter.value.trim()}));
    const text = textFilter.value.trim().toLowerCase();
    const spentOf = await spendInPeriod(r.data);
    const rows = r.data.filter(k => (!statusFilter.value || k.status === statusFilter.value)
      && (!text || [k.name, k.prefix, k.id, ...Object.entries(k.labels || {}).map(([a, b]) => a + '=' + b)]
        .some(s => s && String(s).toLowerCase().includes(text))));
    replace(listBox, table([
      {title: 'Name', value: k => k.name || '—'},
      {title: 'Key', value: k => h('code', {}, k.prefix + '…')},
      {title: 'Status', value: k => h('span', {class: 'status ' + k.status}, k.status)},
      {title: 'User', value: k => k.user || '—'},
      {title: 'Team', value: k => k.team || '—'},
      {title: 'Labels', value: k => Object.entries(k.labels || {}).map(([a, b]) => a + '=' + b).join(', ') || '—'},
      {title: 'Models', value: k => (k.allowed_models || []).join(', ') || 'all'},
      {title: 'Limits', value: k => limits(k.limits)},
      {title: 'Budget this period', value: k => burnDown(k, spentOf(k))},
      {title: 'Created', value: k => time(k.created_at)},
      {title: '', class: 'actions', value: k => ctx.canChange && k.status === 'active' ? actions(k) : null},
    ], rows, 'No keys match.'));
    for (const tr of listBox.querySelectorAll('tbody tr')) tr.classList.add('key-row');
  }

  function actions(k) {
    const grace = h('input', {type: 'number', min: 0, max: 2592000, value: 86400, class: 'small', title: 'grace period in seconds'});
    return h('span', {class: 'row-actions'},
      h('button', {type: 'button', class: 'edit', 'data-key': k.id, onclick: () => {
        replace(news, editForm(k, async () => { replace(news, h('p', {class: 'muted', id: 'key-saved'}, 'Saved.')); await load(); },
          () => replace(news)));
        news.scrollIntoView();
      }}, 'Edit'), ' ',
      h('button', {type: 'button', class: 'danger revoke', 'data-key': k.id, onclick: async () => {
        if (!confirm('Revoke this key? Requests with it are refused at once.')) return;
        try { await post('/admin/v1/keys/' + encodeURIComponent(k.id) + '/revoke'); await load(); }
        catch (e) { replace(news, errorBox(e)); }
      }}, 'Revoke'),
      ' ', grace,
      h('button', {type: 'button', class: 'rotate', 'data-key': k.id, onclick: async () => {
        try {
          const key = await post('/admin/v1/keys/' + encodeURIComponent(k.id) + '/rotate', {grace_seconds: Number(grace.value)});
          replace(news, secretBox(key, 'Rotated. The old secret keeps working for ' + grace.value + ' s. The new one:'));
          await load();
        } catch (e) { replace(news, errorBox(e)); }
      }}, 'Rotate'));
  }

  const filters = h('form', {class: 'filters', onsubmit: ev => { ev.preventDefault(); load().catch(e => replace(listBox, errorBox(e))); }},
    field('User', userFilter), field('Team', teamFilter), field('Status', statusFilter), field('Search', textFilter),
    h('button', {type: 'submit', id: 'apply-filters'}, 'Filter'));
  body.append(news);
  if (ctx.canChange) {
    body.append(createForm(ctx, async key => {
      replace(news, secretBox(key, 'Key created. Its secret:'));
      await load();
    }));
  }
  body.append(filters, listBox);
  await load();
}
