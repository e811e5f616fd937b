// The dashboard page's script (runs in the browser, served as assets/app.js): lists the Clusters,
// follows one over the live stream (server-sent events) and draws it. Text is always set as text,
// never as HTML, so nothing a Cluster or an Event holds can run in the page.
import type uPlotType from 'uplot';
import type { BackupView, ChartSample, ClusterSummary, ClusterView, EventView, InstanceView, StreamMessage } from '../view.js';

const UPlot = (window as unknown as { uPlot: typeof uPlotType }).uPlot;
const HISTORY_SECONDS = 600;

type Child = Node | string | undefined;

function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

const byId = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

function bytes(n: number | undefined): string {
  if (n === undefined) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const seconds = (s: number | undefined): string => (s === undefined ? '–' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`);
const time = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : '–');

const TOKEN_KEY = 'cnpg-dashboard-token';
let stream: EventSource | undefined;
let samples: ChartSample[] = [];
let current = '';

function connection(state: 'live' | 'down' | 'connecting'): void {
  const badge = byId('connection');
  badge.textContent = state === 'live' ? 'live' : state === 'down' ? 'reconnecting…' : 'connecting…';
  badge.className = `badge ${state}`;
}

function instanceCard(i: InstanceView): HTMLElement {
  const facts: Array<[string, string]> = [['phase', i.phase]];
  if (i.desiredRole) facts.push(['becoming', i.desiredRole]);
  if (i.timeline !== undefined) facts.push(['timeline', String(i.timeline)]);
  if (i.lsn) facts.push([i.role === 'primary' ? 'written' : 'replayed', i.lsn]);
  if (i.role === 'replica') {
    facts.push(['lag', `${bytes(i.lagBytes)} · ${seconds(i.lagSeconds)}`]);
    facts.push(['stream', `${i.streaming ? 'streaming' : 'not streaming'}${i.syncState ? ` (${i.syncState})` : ''}`]);
  }
  if (i.fenced) facts.push(['fenced', 'yes']);
  const dl = el('dl');
  for (const [k, v] of facts) dl.append(el('dt', {}, k), el('dd', { 'data-fact': k }, v));
  return el(
    'div',
    { class: `instance${i.ready ? '' : ' not-ready'}`, 'data-instance': i.name, 'data-role': i.role, 'data-ready': String(i.ready) },
    el('div', { class: 'title' }, el('span', { class: 'name' }, i.name), el('span', { class: 'role' }, i.role)),
    dl,
    i.error ? el('div', { class: 'error' }, i.error) : undefined,
    switchoverButton(i.name),
  );
}

function notice(text: string, error = false): void {
  const n = byId('notice');
  n.textContent = text;
  n.className = error ? 'error' : '';
  n.hidden = false;
}

const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);
const bearer = (): Record<string, string> => {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
};

/** Shown on replicas once the token is accepted (CSS: body.unlocked). */
function switchoverButton(instance: string): HTMLElement {
  const b = el('button', { class: 'switchover', type: 'button' }, 'Switch over to this instance');
  b.addEventListener('click', () => void switchover(instance));
  return b;
}

async function switchover(instance: string): Promise<void> {
  if (!confirm(`Promote ${instance} and demote the current primary?`)) return;
  const [ns, name] = current.split('/');
  const res = await fetch(`api/clusters/${ns}/${name}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ instance }) });
  const answer = (await res.json()) as { message?: string; error?: string };
  notice(answer.message ?? answer.error ?? `HTTP ${res.status}`, !res.ok);
}

/** Asks the server whether the stored token lets this page switch over. */
async function checkToken(): Promise<void> {
  const res = await fetch('api/session', { headers: bearer() });
  const { readOnly } = (await res.json()) as { readOnly: boolean };
  if (readOnly && token()) {
    sessionStorage.removeItem(TOKEN_KEY);
    notice('That token is not the control plane\'s: the dashboard stays read-only.', true);
  }
  document.body.classList.toggle('unlocked', !readOnly);
  const mode = byId('mode');
  mode.textContent = readOnly ? 'read-only' : 'switchover allowed';
  mode.className = `badge${readOnly ? '' : ' unlocked'}`;
}

function renderSummary(v: ClusterView): void {
  const parts: Child[] = [
    el('span', { class: 'name' }, `${v.namespace}/${v.name}`),
    el('span', { id: 'phase' }, v.phase ?? 'no status yet'),
    el('span', {}, `ready ${v.readyInstances}/${v.instancesWanted}`),
    el('span', { id: 'current-primary' }, `primary: ${v.currentPrimary ?? '–'}`),
    el('span', {}, `timeline ${v.timeline ?? '–'}`),
  ];
  if (v.targetPrimary && v.targetPrimary !== v.currentPrimary) parts.push(el('span', { class: 'badge down' }, `switching to ${v.targetPrimary}`));
  if (v.phaseReason) parts.push(el('span', { class: 'muted' }, v.phaseReason));
  byId('summary').replaceChildren(...parts.filter((p): p is Node => p !== undefined && typeof p !== 'string'));
}

function renderTopology(v: ClusterView): void {
  // The primary first, then its replicas: the way WAL flows.
  const ordered = [...v.instances].sort((a, b) => Number(b.role === 'primary') - Number(a.role === 'primary'));
  byId('topology').replaceChildren(...ordered.map(instanceCard));
}

function renderRecovery(v: ClusterView): void {
  const r = v.recovery;
  const text = r.from
    ? `Recoverable from ${time(r.from)} to ${r.archiving ? 'now (WAL archiving works)' : time(r.to)}`
    : 'No base backup yet: there is no point-in-time recovery window.';
  const lines: Child[] = [el('div', { id: 'recovery-window' }, text)];
  if (r.lastSuccessfulBackup) lines.push(el('div', { class: 'muted' }, `last successful backup ${time(r.lastSuccessfulBackup)}`));
  if (r.lastFailedBackup) lines.push(el('div', { class: 'muted' }, `last failed backup ${time(r.lastFailedBackup)}`));
  if (r.archiveError) lines.push(el('div', { class: 'error' }, `WAL archiving fails: ${r.archiveError}`));
  byId('recovery').replaceChildren(...(lines.filter((l) => l !== undefined) as Node[]));
  renderTimeline(v);
}

function renderTimeline(v: ClusterView): void {
  const line = byId('timeline');
  const moments = [v.recovery.from, ...v.backups.map((b) => b.startedAt)].filter((t): t is string => t !== undefined).map(Date.parse);
  const end = Date.parse(v.generatedAt);
  if (moments.length === 0) {
    line.replaceChildren(el('span', { class: 'axis', style: 'left: 8px' }, 'no backups yet'));
    return;
  }
  const start = Math.min(...moments);
  const span = Math.max(end - start, 1);
  const at = (t: number) => `${(((t - start) / span) * 96 + 2).toFixed(2)}%`;
  const children: HTMLElement[] = [];
  if (v.recovery.from) {
    const from = Date.parse(v.recovery.from);
    const to = v.recovery.to ? Date.parse(v.recovery.to) : end;
    children.push(el('div', { class: 'window', style: `left: ${at(from)}; width: calc(${at(to)} - ${at(from)})`, title: 'point-in-time recovery window' }));
  }
  for (const b of v.backups) {
    if (!b.startedAt) continue;
    const state = b.phase === 'completed' ? '' : b.phase === 'failed' ? ' failed' : ' running';
    children.push(el('div', { class: `mark${state}`, style: `left: ${at(Date.parse(b.startedAt))}`, title: `${b.name}: ${b.phase}` }));
  }
  children.push(el('span', { class: 'axis', style: 'left: 8px' }, time(new Date(start).toISOString())), el('span', { class: 'axis', style: 'right: 8px' }, 'now'));
  line.replaceChildren(...children);
}

function renderBackups(backups: BackupView[]): void {
  const rows = backups.map((b) =>
    el('tr', { class: b.phase === 'failed' ? 'Warning' : '' }, el('td', {}, b.name), el('td', {}, b.error ? `${b.phase}: ${b.error}` : b.phase), el('td', {}, b.method ?? '–'), el('td', {}, b.instance ?? '–'), el('td', {}, time(b.startedAt)), el('td', {}, time(b.stoppedAt))),
  );
  byId('backups').querySelector('tbody')!.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'no Backup objects'))]));
}

function renderEvents(events: EventView[]): void {
  const rows = events.map((e) =>
    el('tr', { class: e.type, 'data-category': e.category }, el('td', {}, time(e.time)), el('td', { class: 'category' }, e.category), el('td', {}, e.reason), el('td', {}, e.object), el('td', {}, e.count > 1 ? `${e.message} (×${e.count})` : e.message)),
  );
  byId('events').querySelector('tbody')!.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'no events'))]));
}

const charts: { lag?: uPlotType; rate?: uPlotType; lagSeries: string } = { lagSeries: '' };

function chartWidth(): number {
  return Math.max(320, Math.min(560, (byId('cluster').clientWidth - 40) / 2));
}

function drawCharts(): void {
  const keep = samples.filter((s) => s.t >= Date.now() / 1000 - HISTORY_SECONDS);
  const xs = keep.map((s) => s.t);
  const replicas = [...new Set(keep.flatMap((s) => Object.keys(s.lagBytes)))].sort();
  const lagData = [xs, ...replicas.map((r) => keep.map((s) => s.lagBytes[r] ?? null))] as uPlotType.AlignedData;
  const names = replicas.join(',');
  if (!charts.lag || charts.lagSeries !== names) {
    charts.lag?.destroy();
    const palette = ['#027a48', '#b54708', '#6941c6', '#c11574', '#0e9384'];
    charts.lag = new UPlot(
      { title: 'Replication lag (bytes behind the primary)', width: chartWidth(), height: 220, series: [{}, ...replicas.map((r, i) => ({ label: r, stroke: palette[i % palette.length], width: 2 }))], axes: [{}, { values: (_u, vals) => vals.map((v) => bytes(v)) }] },
      lagData,
      byId('lag-chart'),
    );
    charts.lagSeries = names;
  } else charts.lag.setData(lagData);
  const rateData = [xs, keep.map((s) => s.tps ?? null), keep.map((s) => (s.walBytesPerSecond === undefined ? null : s.walBytesPerSecond / 1024))] as uPlotType.AlignedData;
  if (!charts.rate) {
    charts.rate = new UPlot(
      {
        title: 'Throughput',
        width: chartWidth(),
        height: 220,
        scales: { tps: {}, wal: {} },
        series: [{}, { label: 'transactions/s', stroke: '#175cd3', width: 2, scale: 'tps' }, { label: 'WAL kB/s', stroke: '#98a2b3', width: 1, scale: 'wal' }],
        axes: [{}, { scale: 'tps' }, { scale: 'wal', side: 1, grid: { show: false } }],
      },
      rateData,
      byId('rate-chart'),
    );
  } else charts.rate.setData(rateData);
}

/** The newest rates as text, beside the charts. */
function renderThroughput(): void {
  const last = samples.at(-1);
  const tps = [...samples].reverse().find((s) => s.tps !== undefined)?.tps;
  const parts = [
    tps === undefined ? 'transactions/s: waiting for the instances\' metrics' : `${tps.toFixed(1)} transactions/s`,
    last?.walBytesPerSecond === undefined ? undefined : `WAL ${bytes(Math.round(last.walBytesPerSecond))}/s`,
  ];
  byId('throughput').textContent = parts.filter((p) => p !== undefined).join(' · ');
}

function render(v: ClusterView): void {
  byId('cluster').hidden = false;
  renderSummary(v);
  renderTopology(v);
  renderRecovery(v);
  renderBackups(v.backups);
  renderEvents(v.events);
}

function follow(key: string): void {
  if (key === current) return;
  current = key;
  stream?.close();
  samples = [];
  for (const a of byId('clusters').querySelectorAll('a')) a.classList.toggle('current', a.getAttribute('href') === `#${key}`);
  const [ns, name] = key.split('/').map(decodeURIComponent);
  connection('connecting');
  stream = new EventSource(`api/clusters/${encodeURIComponent(ns ?? '')}/${encodeURIComponent(name ?? '')}/stream`);
  stream.onopen = () => connection('live');
  stream.onerror = () => connection('down');
  stream.onmessage = (ev: MessageEvent<string>) => {
    connection('live');
    const msg = JSON.parse(ev.data) as StreamMessage;
    samples = msg.history ? msg.samples : [...samples, ...msg.samples];
    render(msg.view);
    renderThroughput();
    drawCharts();
  };
  stream.addEventListener('gone', () => {
    byId('cluster').hidden = true;
    stream?.close();
    current = '';
    void loadClusters();
  });
}

async function loadClusters(): Promise<void> {
  const res = await fetch('api/clusters');
  const clusters = (await res.json()) as ClusterSummary[];
  const links = clusters.map((c) => {
    const key = `${encodeURIComponent(c.namespace)}/${encodeURIComponent(c.name)}`;
    return el('a', { href: `#${key}`, title: c.phase ?? '' }, `${c.namespace}/${c.name}`);
  });
  byId('clusters').replaceChildren(...links);
  byId('empty').hidden = clusters.length > 0;
  const first = clusters[0];
  const wanted = location.hash.slice(1).split('&')[0] || (first ? `${encodeURIComponent(first.namespace)}/${encodeURIComponent(first.name)}` : '');
  if (wanted) follow(wanted);
}

/** `cnpg dashboard --with-token` hands the token over in the fragment (never sent to the server); it is kept for this tab only and removed from the address. */
function takeTokenFromAddress(): void {
  const [key, ...params] = location.hash.slice(1).split('&');
  const given = new URLSearchParams(params.join('&')).get('token');
  if (given === null) return;
  sessionStorage.setItem(TOKEN_KEY, given);
  history.replaceState(null, '', key ? `#${key}` : location.pathname);
}

byId('unlock').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = byId('token') as HTMLInputElement;
  if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value);
  input.value = '';
  void checkToken();
});
window.addEventListener('hashchange', () => follow(location.hash.slice(1).split('&')[0] ?? ''));
takeTokenFromAddress();
void checkToken();
void loadClusters();
