// The dashboard page's markup and style. The script (browser/app.ts) fills it from the live stream;
// no inline script, so the Content-Security-Policy can forbid every script but the page's own files.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cnpg-ts dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/uplot.css">
<link rel="stylesheet" href="assets/style.css">
<script src="assets/uplot.js"></script>
<script type="module" src="assets/app.js"></script>
</head>
<body>
<header>
  <h1>cnpg-ts dashboard</h1>
  <nav id="clusters" aria-label="clusters"></nav>
  <span id="connection" class="badge">connecting…</span>
  <form id="unlock"><span id="mode" class="badge">read-only</span> <input id="token" type="password" placeholder="control plane token" autocomplete="off" aria-label="control plane token"> <button type="submit">Unlock</button></form>
</header>
<div id="notice" role="status" hidden></div>
<main>
  <p id="empty" hidden>No Cluster yet: apply one with <code>cnpg apply -f cluster.yaml</code>.</p>
  <section id="cluster" hidden>
    <div id="summary"></div>
    <h2>Topology</h2>
    <div id="topology"></div>
    <h2>Replication lag and throughput, last minutes</h2>
    <p id="throughput" class="muted"></p>
    <div class="charts"><div id="lag-chart"></div><div id="rate-chart"></div></div>
    <h2>Backups and point-in-time recovery window</h2>
    <div id="recovery"></div>
    <div id="timeline"></div>
    <table id="backups"><thead><tr><th>Backup</th><th>Phase</th><th>Method</th><th>Instance</th><th>Started</th><th>Stopped</th></tr></thead><tbody></tbody></table>
    <h2>Recent events</h2>
    <table id="events"><thead><tr><th>Time</th><th>Kind</th><th>Reason</th><th>Object</th><th>Message</th></tr></thead><tbody></tbody></table>
  </section>
</main>
</body>
</html>
`;

export const PAGE_CSS = `
:root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #667085; --primary: #175cd3; --replica: #027a48; --bad: #b42318; --warn: #b54708; --line: #e4e7ec; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; gap: 16px; align-items: center; padding: 10px 20px; background: #101828; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
header nav a { color: #d0d5dd; margin-right: 10px; text-decoration: none; }
header nav a.current { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
main { padding: 12px 20px 40px; max-width: 1200px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e4e7ec; color: var(--ink); }
.badge.live { background: #d1fadf; color: #05603a; }
.badge.down { background: #fee4e2; color: var(--bad); }
#summary { display: flex; gap: 18px; flex-wrap: wrap; align-items: baseline; }
#summary .name { font-size: 20px; font-weight: 600; }
#topology { display: flex; gap: 12px; flex-wrap: wrap; }
.instance { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px; padding: 10px 12px; min-width: 220px; }
.instance[data-role="primary"] { border-left-color: var(--primary); }
.instance[data-role="replica"] { border-left-color: var(--replica); }
.instance.not-ready { opacity: .75; border-style: dashed; }
.instance .title { display: flex; justify-content: space-between; gap: 8px; font-weight: 600; }
.role { text-transform: uppercase; font-size: 11px; letter-spacing: .04em; }
.instance[data-role="primary"] .role { color: var(--primary); }
.instance[data-role="replica"] .role { color: var(--replica); }
.instance dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 6px 0 0; font-size: 12px; }
.instance dt { color: var(--muted); }
.instance dd { margin: 0; font-variant-numeric: tabular-nums; }
.instance .error { color: var(--bad); font-size: 12px; margin-top: 4px; max-width: 320px; overflow-wrap: anywhere; }
.charts { display: flex; gap: 16px; flex-wrap: wrap; }
.charts > div { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
#timeline { position: relative; height: 46px; background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; }
#timeline .window { position: absolute; top: 8px; height: 14px; background: #b2ccff; border-radius: 3px; }
#timeline .mark { position: absolute; top: 4px; width: 3px; height: 22px; background: var(--replica); }
#timeline .mark.failed { background: var(--bad); }
#timeline .mark.running { background: var(--warn); }
#timeline .axis { position: absolute; bottom: 2px; font-size: 11px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr.Warning td { color: var(--bad); }
td.category { font-weight: 600; }
.muted { color: var(--muted); }
#unlock { margin-left: auto; display: flex; gap: 6px; align-items: center; }
#unlock input { width: 200px; }
body.unlocked #unlock input, body.unlocked #unlock button { display: none; }
.badge.unlocked { background: #fef0c7; color: #93370d; }
#notice { margin: 10px 20px 0; padding: 6px 10px; border-radius: 6px; background: #eff8ff; max-width: 1160px; }
#notice.error { background: #fee4e2; color: var(--bad); }
.switchover { display: none; margin-top: 6px; font-size: 12px; }
body.unlocked .instance[data-role="replica"] .switchover { display: inline-block; }
`;
