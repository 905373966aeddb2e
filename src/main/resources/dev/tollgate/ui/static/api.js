// Calls the gateway with the session cookie (the browser sends it; the page never sees it) and,
// on changes, the session's CSRF token. The admin token itself is never stored in the page.
let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token;
}

export class ApiFailure extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function call(method, path, body) {
  const headers = {'Accept': 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let resp;
  try {
    resp = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiFailure(0, 'The gateway cannot be reached.', 'network');
  }
  let json = null;
  try { json = await resp.json(); } catch (e) { /* not JSON */ }
  if (!resp.ok) {
    const err = json && json.error ? json.error : {};
    throw new ApiFailure(resp.status, err.message || ('HTTP ' + resp.status), err.code);
  }
  return json;
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const put = (path, body) => call('PUT', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = path => call('DELETE', path);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
