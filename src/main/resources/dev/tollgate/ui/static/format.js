export function usd(v) {
  if (v === undefined || v === null) return '—';
  const n = Number(v);
  return '$' + (Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '.00'));
}

export function int(v) {
  return v === undefined || v === null ? '—' : Number(v).toLocaleString('en-US');
}

export function pct(v) {
  return v === undefined || v === null ? '—' : (Number(v) * 100).toFixed(2) + '%';
}

export function ms(v) {
  return v === undefined || v === null ? '—' : Math.round(Number(v)) + ' ms';
}

/** Unix seconds or an ISO instant → "2026-11-24 12:00 UTC" */
export function time(v) {
  if (v === undefined || v === null || v === '') return '—';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (isNaN(d)) return String(v);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function day(d) {
  return d.toISOString().slice(0, 10);
}

export function limits(l) {
  if (!l) return '—';
  const parts = Object.entries(l).map(([k, v]) => k + ' ' + v);
  return parts.length ? parts.join(', ') : '—';
}

export function budget(b) {
  return b ? usd(b.amount_usd) + ' ' + b.period : '—';
}
