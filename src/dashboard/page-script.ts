/**
 * The page's script, plain browser JavaScript shipped as text (users need no build step): polls `<mount>/feed`
 * once per bucket and draws every chart as SVG by hand. Everything shown goes through `textContent` or SVG
 * attributes, never HTML. Kept free of template literals so it can live in this one.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict'
  var SVG = 'http://www.w3.org/2000/svg'
  var W = 600, H = 190, L = 46, R = 8, T = 8, B = 22
  var COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f']
  var CAUSE_COLORS = { write: '#4e79a7', api: '#f28e2b', 'raw-sql': '#e15759', bus: '#59a14f' }
  var feedUrl = location.pathname.replace(/\/+$/, '') + '/feed'
  var selected = ''
  var $ = function (id) { return document.getElementById(id) }

  function node(name, attrs, parent) {
    var e = document.createElementNS(SVG, name)
    for (var k in attrs) e.setAttribute(k, attrs[k])
    if (parent) parent.appendChild(e)
    return e
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild) }
  function text(parent, x, y, s, anchor) {
    var t = node('text', { x: x, y: y, 'text-anchor': anchor || 'end' }, parent)
    t.textContent = s
    return t
  }
  function fmtMs(v) {
    if (v == null) return '–'
    if (v < 0.01) return (v * 1000).toFixed(1) + ' µs'
    if (v < 1) return (v * 1000).toFixed(0) + ' µs'
    if (v < 100) return v.toFixed(v < 10 ? 2 : 1) + ' ms'
    return v.toFixed(0) + ' ms'
  }
  function fmtPct(v) { return v == null ? '–' : (v * 100).toFixed(1) + ' %' }
  function fmtNum(v) { return v == null ? '–' : v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e4 ? (v / 1e3).toFixed(1) + 'k' : String(Math.round(v * 100) / 100) }
  function fmtBytes(v) {
    if (v == null) return '–'
    var units = ['B', 'kB', 'MB', 'GB'], i = 0
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
    return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i]
  }
  function fmtTime(ms) { var d = new Date(ms); return d.toTimeString().slice(0, 8) }

  function legend(id, items) {
    var box = $(id + '-legend') || $(id)
    clear(box)
    items.forEach(function (item) {
      var span = document.createElement('span')
      var swatch = document.createElement('i')
      swatch.style.background = item.color
      span.appendChild(swatch)
      span.appendChild(document.createTextNode(item.name))
      box.appendChild(span)
    })
  }
  function axes(svg, times, ticks, yOf, format) {
    ticks.forEach(function (v) {
      var y = yOf(v)
      node('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }, svg)
      text(svg, L - 4, y + 3, format(v))
    })
    if (times.length > 1) {
      text(svg, L, H - 6, fmtTime(times[0]), 'start')
      text(svg, W - R, H - 6, fmtTime(times[times.length - 1]), 'end')
    }
  }
  function xOf(i, n) { return L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1)) }

  // Lines with gaps where values are null; opts: { min, max, log, format, dashed(name) }.
  function lineChart(id, times, lines, opts) {
    var svg = $(id)
    clear(svg)
    var values = []
    lines.forEach(function (l) { l.values.forEach(function (v) { if (v != null && (!opts.log || v > 0)) values.push(v) }) })
    var min = opts.min != null ? opts.min : Math.min.apply(null, values.concat([0]))
    var max = opts.max != null ? opts.max : Math.max.apply(null, values.concat([1]))
    if (opts.log) {
      min = Math.pow(10, Math.floor(Math.log10(values.length ? Math.min.apply(null, values) : 0.01)))
      max = Math.pow(10, Math.ceil(Math.log10(values.length ? Math.max.apply(null, values) : 1)))
      if (max <= min) max = min * 10
    }
    var f = opts.log ? function (v) { return Math.log10(v) } : function (v) { return v }
    var yOf = function (v) { return H - B - ((f(v) - f(min)) * (H - B - T)) / (f(max) - f(min) || 1) }
    var ticks = []
    if (opts.log) for (var p = min; p <= max * 1.0001; p *= 10) ticks.push(p)
    else ticks = [min, (min + max) / 2, max]
    axes(svg, times, ticks, yOf, opts.format)
    var items = []
    lines.forEach(function (line, i) {
      var color = opts.color ? opts.color(line.name, i) : COLORS[i % COLORS.length]
      var d = '', pen = false
      line.values.forEach(function (v, j) {
        if (v == null || (opts.log && !(v > 0))) { pen = false; return }
        d += (pen ? 'L' : 'M') + xOf(j, times.length).toFixed(1) + ' ' + yOf(Math.min(max, Math.max(min, v))).toFixed(1)
        pen = true
      })
      var attrs = { class: 'series', d: d || 'M0 0', stroke: color, 'data-name': line.name }
      if (opts.dashed && opts.dashed(line.name)) attrs['stroke-dasharray'] = '4 3'
      node('path', attrs, svg)
      items.push({ name: line.name, color: color })
    })
    legend(id, items)
  }

  // Stacked bars per bucket.
  function barChart(id, times, lines, colorOf) {
    var svg = $(id)
    clear(svg)
    var totals = times.map(function (_, j) { return lines.reduce(function (s, l) { return s + (l.values[j] || 0) }, 0) })
    var max = Math.max.apply(null, totals.concat([1]))
    var yOf = function (v) { return H - B - (v * (H - B - T)) / max }
    axes(svg, times, [0, max / 2, max], yOf, fmtNum)
    var w = Math.max(1, (W - L - R) / Math.max(1, times.length) - 1)
    var base = times.map(function () { return 0 })
    lines.forEach(function (line) {
      var g = node('g', { class: 'series', fill: colorOf(line.name), 'data-name': line.name }, svg)
      line.values.forEach(function (v, j) {
        if (!v) return
        var y0 = yOf(base[j]), y1 = yOf(base[j] + v)
        node('rect', { x: (L + j * (W - L - R) / times.length).toFixed(1), y: y1.toFixed(1), width: w.toFixed(1), height: Math.max(0.5, y0 - y1).toFixed(1) }, g)
        base[j] += v
      })
    })
    legend(id, lines.map(function (l) { return { name: l.name, color: colorOf(l.name) } }))
  }

  // One row of colored cells per state series.
  function stateChart(id, times, rows) {
    var svg = $(id)
    clear(svg)
    var colors = { up: '#2f9e44', closed: '#2f9e44', down: '#e03131', open: '#e03131', none: '#adb5bd' }
    var rowH = 40, w = (W - L - R) / Math.max(1, times.length)
    rows.forEach(function (row, r) {
      var y = T + 20 + r * (rowH + 20)
      text(svg, L - 4, y + rowH / 2 + 3, row.name)
      var g = node('g', { class: 'series', 'data-name': row.name }, svg)
      row.values.forEach(function (state, j) {
        if (state == null) return
        node('rect', { x: (L + j * w).toFixed(1), y: y, width: Math.max(1, w - 0.5).toFixed(1), height: rowH, fill: colors[state] || '#adb5bd', 'data-state': state }, g)
      })
    })
    axes(svg, times, [], function () { return 0 }, fmtNum)
    legend(id, [{ name: 'up / closed', color: colors.up }, { name: 'down / open', color: colors.down }, { name: 'no Redis', color: colors.none }])
  }

  function setState(id, state) {
    var e = $(id)
    e.textContent = state
    e.className = 'state ' + state
  }
  function cell(tr, value, cls) {
    var td = document.createElement('td')
    if (cls) td.className = cls
    td.textContent = value
    tr.appendChild(td)
  }
  function table(id, rows, cells) {
    var body = $(id).tBodies[0]
    clear(body)
    rows.forEach(function (row) {
      var tr = document.createElement('tr')
      cells(row).forEach(function (c) { cell(tr, c[0], c[1]) })
      body.appendChild(tr)
    })
  }
  function reasonText(r) {
    if (r.kind === 'expired') return 'expired (age ' + fmtMs(r.age) + ')'
    if (r.kind !== 'invalidated') return r.kind
    var s = 'invalidated: ' + r.dependency + ' by ' + r.cause
    if (r.model) s += ' (' + r.model + (r.operation ? '.' + r.operation : '') + ')'
    return s
  }

  function instances(feed) {
    var select = $('instance')
    var options = [{ id: 'cluster', label: 'cluster (' + feed.instances.length + ' instance' + (feed.instances.length === 1 ? '' : 's') + ')' }]
    feed.instances.forEach(function (i) { options.push({ id: i.id, label: i.id + (i.self ? ' (this one)' : '') }) })
    var key = options.map(function (o) { return o.id + o.label }).join('|')
    if (select.getAttribute('data-key') !== key) {
      clear(select)
      options.forEach(function (o) {
        var option = document.createElement('option')
        option.value = o.id
        option.textContent = o.label
        select.appendChild(option)
      })
      select.setAttribute('data-key', key)
    }
    select.value = feed.selected
  }

  function render(feed) {
    var v = feed.view, t = v.totals, c = v.current
    instances(feed)
    $('namespace').textContent = 'namespace ' + v.namespace
    $('updated').textContent = 'updated ' + fmtTime(v.at)
    $('total-reads').textContent = fmtNum(t.reads)
    $('hit-ratio-total').textContent = fmtPct(t.hitRatio)
    $('misses-total').textContent = fmtNum(t.misses)
    $('invalidations-total').textContent = fmtNum(t.invalidations)
    $('pending-now').textContent = fmtNum(c.pending)
    $('memory-entries').textContent = fmtNum(c.entries) + (c.maxEntries ? ' / ' + fmtNum(c.maxEntries) : '')
    $('memory-bytes').textContent = fmtBytes(c.bytes)
    $('errors-total').textContent = fmtNum(t.errors)
    setState('bus-state', c.bus)
    setState('breaker-state', c.breaker)
    lineChart('hit-ratio', v.times, v.hitRatio, { min: 0, max: 1, format: fmtPct })
    var tierColor = { memory: COLORS[0], redis: COLORS[1], database: COLORS[2] }
    lineChart('latency', v.times, v.latency, {
      log: true, format: fmtMs,
      color: function (name, i) { return tierColor[name.split(' ')[0]] || COLORS[(i + 3) % COLORS.length] },
      dashed: function (name) { return / p99$/.test(name) },
    })
    barChart('invalidations', v.times, v.invalidations, function (name) { return CAUSE_COLORS[name] || '#888' })
    lineChart('memory', v.times, v.memory, { min: 0, max: 1, format: fmtPct })
    lineChart('pending', v.times, [v.pending], { min: 0, format: fmtNum })
    stateChart('states', v.times, [{ name: 'bus', values: v.bus }, { name: 'breaker', values: v.breaker }])
    table('hot-keys', v.hotKeys, function (k) {
      return [[k.model], [k.operation], [k.region], [k.hash.slice(0, 16)], [fmtNum(k.hits), 'num'], [fmtNum(k.reads), 'num']]
    })
    legend('miss-kinds', Object.keys(v.missReasons).map(function (kind, i) {
      return { name: kind + ' ' + v.missReasons[kind], color: COLORS[i % COLORS.length] }
    }))
    table('misses', v.misses, function (m) {
      return [[fmtTime(m.at)], [m.model], [m.operation], [m.hash.slice(0, 16)], [reasonText(m.reason)]]
    })
    document.body.setAttribute('data-updated', String(v.at))
  }

  function poll() {
    var url = feedUrl + (selected ? '?instance=' + encodeURIComponent(selected) : '')
    fetch(url, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('feed: HTTP ' + r.status); return r.json() })
      .then(function (feed) { render(feed); setTimeout(poll, feed.view.bucketMs) })
      .catch(function (e) { $('updated').textContent = String(e.message || e); setTimeout(poll, 2000) })
  }
  $('instance').addEventListener('change', function (e) { selected = e.target.value; poll() })
  poll()
})()
`
