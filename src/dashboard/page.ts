import { PAGE_SCRIPT } from './page-script.ts'

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #1d2433; --muted: #6b7385; --grid: #e3e6ec;
  --ok: #2f9e44; --bad: #e03131; --none: #adb5bd; font: 14px/1.4 system-ui, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1d2129; --fg: #e6e9ef; --muted: #97a0b0;
  --grid: #2f3540; } }
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 16px; align-items: center; padding: 12px 20px; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0 12px 0 0; }
header .muted, .muted { color: var(--muted); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; padding: 0 20px 20px; }
section { background: var(--card); border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px #0002; min-width: 0; }
section h2 { font-size: 13px; font-weight: 600; margin: 0 0 8px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.tiles { display: flex; gap: 10px; flex-wrap: wrap; grid-column: 1 / -1; }
.tile { flex: 1; background: var(--card); border-radius: 8px; padding: 10px 14px; min-width: 96px; box-shadow: 0 1px 2px #0002; }
.tile b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.tile span { color: var(--muted); font-size: 12px; }
svg { width: 100%; height: auto; display: block; }
svg text { fill: var(--muted); font-size: 10px; }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg path.series { fill: none; stroke-width: 1.8; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; margin-top: 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.state.up, .state.closed { background: var(--ok); } .state.down, .state.open { background: var(--bad); }
.state.none { background: var(--none); }
table { width: 100%; border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--grid); white-space: nowrap; }
td.num, th.num { text-align: right; } #misses td:last-child { white-space: normal; }
.wide { grid-column: 1 / -1; }
`

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )
}

/** Chart panel: an empty SVG the script draws into, and its legend. */
function chart(id: string, title: string, wide = false): string {
  return `<section${wide ? ' class="wide"' : ''}><h2>${title}</h2>
<svg id="${id}" data-chart="${id}" viewBox="0 0 600 190" role="img" aria-label="${title}"></svg>
<div class="legend" id="${id}-legend"></div></section>`
}

function tile(id: string, label: string): string {
  return `<div class="tile"><b id="${id}">–</b><span>${label}</span></div>`
}

/**
 * The dashboard page: one HTML document with its styles and script inline (allowed by `nonce` under the
 * handler's Content-Security-Policy), nothing fetched but its own feed.
 */
export function renderPage(title: string, nonce: string): string {
  const safeTitle = escapeHtml(title)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safeTitle}</title><style nonce="${nonce}">${STYLE}</style></head>
<body>
<header><h1>${safeTitle}</h1>
<label>View <select id="instance"></select></label>
<span class="muted" id="namespace"></span>
<span>bus <span class="state none" id="bus-state">–</span></span>
<span>breaker <span class="state none" id="breaker-state">–</span></span>
<span class="muted" id="updated">connecting…</span></header>
<main>
<div class="tiles">
${tile('total-reads', 'cached reads (window)')}
${tile('hit-ratio-total', 'hit ratio')}
${tile('misses-total', 'misses')}
${tile('invalidations-total', 'invalidations')}
${tile('pending-now', 'pending invalidations')}
${tile('memory-entries', 'memory entries')}
${tile('memory-bytes', 'memory bytes')}
${tile('errors-total', 'errors')}
</div>
${chart('hit-ratio', 'Hit ratio by region / model')}
${chart('latency', 'Read latency p50 / p99 by tier (ms, log)')}
${chart('invalidations', 'Invalidations per second by cause')}
${chart('memory', 'Memory tier fill')}
${chart('pending', 'Pending invalidations')}
${chart('states', 'Bus and breaker')}
<section><h2>Hottest keys</h2><table id="hot-keys"><thead><tr><th>model</th><th>operation</th><th>region</th>
<th>hash</th><th class="num">hits</th><th class="num">reads</th></tr></thead><tbody></tbody></table></section>
<section><h2>Recent misses</h2><div class="legend" id="miss-kinds"></div><table id="misses"><thead><tr><th>when</th>
<th>model</th><th>operation</th><th>hash</th><th>reason</th></tr></thead><tbody></tbody></table></section>
</main>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body></html>`
}
