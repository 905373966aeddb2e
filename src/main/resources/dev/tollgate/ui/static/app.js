import {h, replace, errorBox} from './dom.js';
import {call, setCsrf, ApiFailure} from './api.js';
import {overviewPage} from './overview.js';
import {keysPage} from './keys.js';
import {principalsPage} from './principals.js';
import {usagePage} from './usage.js';
import {requestsPage} from './requests.js';
import {configPage} from './config.js';

const PAGES = [
  {id: 'overview', title: 'Overview', render: overviewPage},
  {id: 'keys', title: 'Keys', render: keysPage},
  {id: 'people', title: 'Users and teams', render: principalsPage},
  {id: 'usage', title: 'Usage', render: usagePage},
  {id: 'requests', title: 'Requests', render: requestsPage},
  {id: 'config', title: 'Configuration', render: configPage},
];

const root = document.getElementById('app');
let session = null;

async function start() {
  try {
    session = await call('GET', '/ui/api/session');
    setCsrf(session.csrf_token);
    shell();
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) signIn();
    else replace(root, errorBox(e));
  }
}

function signIn(message) {
  const token = h('input', {type: 'password', id: 'token', autocomplete: 'current-password', required: true,
    placeholder: 'TOLLGATE_ADMIN_TOKEN'});
  const status = h('div', {id: 'sign-in-status'}, message ? errorBox(message) : null);
  const sso = h('p', {id: 'sso', hidden: true}, h('a', {href: '/ui/login/oidc', id: 'sso-link'}, 'Sign in with single sign-on'));
  const form = h('form', {id: 'sign-in', class: 'card narrow', onsubmit: async ev => {
    ev.preventDefault();
    try {
      session = await call('POST', '/ui/api/session', {token: token.value});
      token.value = '';
      setCsrf(session.csrf_token);
      if (!location.hash) location.hash = '#/overview';
      shell();
    } catch (e) {
      replace(status, errorBox(e));
    }
  }},
    h('h1', {}, 'Tollgate'),
    h('p', {class: 'muted'}, 'Sign in with the admin token.'),
    h('label', {class: 'field'}, h('span', {}, 'Admin token'), token),
    h('button', {type: 'submit', id: 'sign-in-button'}, 'Sign in'),
    sso,
    status);
  replace(root, form);
  token.focus();
  // The single sign-on button shows only where TOLLGATE_OIDC_ISSUER is set.
  call('GET', '/ui/api/sso').then(r => { if (r.enabled) sso.hidden = false; }).catch(() => {});
}

function shell() {
  const nav = h('nav', {id: 'nav'},
    h('span', {class: 'brand'}, 'Tollgate'),
    PAGES.map(p => h('a', {href: '#/' + p.id, id: 'nav-' + p.id, 'data-page': p.id}, p.title)),
    h('span', {class: 'spacer'}),
    h('span', {class: 'who', id: 'who'}, session.subject + ' · ' + session.role),
    h('button', {id: 'sign-out', class: 'link', onclick: signOut}, 'Sign out'));
  const main = h('main', {id: 'page'});
  replace(root, nav, main);
  document.body.dataset.role = session.role;
  route();
}

async function signOut() {
  try { await call('DELETE', '/ui/api/session'); } catch (e) { /* signed out either way */ }
  session = null;
  setCsrf(null);
  signIn();
}

function route() {
  if (!session) return;
  const main = document.getElementById('page');
  if (!main) return;
  const [id, rest] = location.hash.replace(/^#\/?/, '').split('?');
  const page = PAGES.find(p => p.id === id) || PAGES[0];
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page.id);
  document.title = page.title + ' · Tollgate';
  replace(main, h('h1', {}, page.title));
  const body = h('div', {class: 'page-body', id: 'page-' + page.id});
  main.appendChild(body);
  const ctx = {
    role: session.role,
    canChange: session.role === 'admin',
    params: new URLSearchParams(rest || ''),
    expired: () => signIn('Your session has ended; sign in again.'),
  };
  page.render(body, ctx).catch(e => {
    if (e instanceof ApiFailure && e.status === 401) ctx.expired();
    else body.appendChild(errorBox(e));
  });
}

window.addEventListener('hashchange', route);
start();
