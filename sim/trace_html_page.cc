// The trace viewer's fixed text: CSS, markup and script (see trace_html_page.h). Nothing here
// depends on the trace; render_trace_html embeds the events as JSON between these parts.
//
// How the script draws, so that 50k events stay fluid: the events arrive as columns and become
// typed arrays; each lane keeps its events' times sorted, so a redraw finds the visible ones by
// binary search and skips a mark that would land on the pixel of the previous mark of the same
// style. The main canvas is redrawn only when the view or a filter changes; hovering draws on an
// overlay canvas. The first draw is synchronous (not in requestAnimationFrame), so a headless
// browser's --dump-dom sees the finished status element.
#include "sim/trace_html_page.h"

namespace brook::sim {

const std::string_view kTraceHtmlStyle = R"css(
:root { --fg: #1d2330; --muted: #6b7280; --line: #d8dce3; --bad: #c0262d; --good: #2f7d32; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: #f6f7f9; }
header { padding: 10px 16px 8px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 16px; margin: 0 16px 0 0; display: inline-block; vertical-align: middle; }
dl { display: inline-flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; vertical-align: middle; }
dl div { display: flex; gap: 6px; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; }
details { margin-top: 6px; color: var(--muted); }
details code { color: var(--fg); margin-right: 10px; white-space: nowrap; }
.violation { margin-top: 8px; padding: 8px 12px; border: 2px solid var(--bad); border-radius: 6px;
             background: #fde8e8; color: #7a1016; font-size: 14px; }
.violation strong { text-transform: uppercase; margin-right: 6px; }
.passed { margin-top: 8px; padding: 6px 12px; border: 1px solid #9bc79d; border-radius: 6px;
          background: #eaf6ea; color: var(--good); }
button { font: inherit; padding: 2px 10px; border: 1px solid #b8bfca; border-radius: 4px;
         background: #fff; cursor: pointer; }
button:hover { background: #eef1f6; }
#controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; padding: 8px 16px;
            background: #fff; border-bottom: 1px solid var(--line); }
#controls .group { display: inline-flex; align-items: center; gap: 6px; }
#controls label { white-space: nowrap; }
#controls .count { color: var(--muted); font-size: 11px; }
#text-filter { width: 220px; padding: 2px 6px; }
#view-range { color: var(--muted); font-variant-numeric: tabular-nums; }
#legend { padding: 4px 16px; color: var(--muted); font-size: 12px; }
#legend span { margin-right: 14px; white-space: nowrap; }
#legend b { font-weight: 700; }
#timeline { position: relative; margin: 0 8px; background: #fff; border: 1px solid var(--line);
            user-select: none; }
#timeline canvas { display: block; }
#overlay { position: absolute; left: 0; top: 0; pointer-events: none; }
#canvas { cursor: crosshair; }
#canvas.dragging { cursor: grabbing; }
#lane-labels { position: absolute; left: 0; top: 0; width: 96px; pointer-events: none; }
.lane { position: absolute; left: 0; width: 96px; padding: 4px 8px; font-weight: 700;
        border-right: 1px solid var(--line); }
.lane small { display: block; font-weight: 400; color: var(--muted); font-size: 11px; }
.lane.node { color: #23408e; } .lane.client { color: #7a4b00; } .lane.sim { color: #555; }
#tooltip { position: fixed; z-index: 10; max-width: 720px; padding: 6px 8px; border-radius: 4px;
           background: #1d2330; color: #fff; font: 12px/1.35 ui-monospace, Menlo, Consolas,
           monospace; white-space: pre-wrap; word-break: break-all; pointer-events: none; }
#details { margin: 8px; padding: 8px 12px; background: #fff; border: 1px solid var(--line); }
#details h2 { font-size: 13px; margin: 0 0 4px; }
#details .hint { color: var(--muted); margin: 0 0 4px; }
#selected { margin: 0; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace;
            white-space: pre-wrap; word-break: break-all; }
#context { margin: 4px 0 0; padding-left: 0; list-style: none;
           font: 12px/1.45 ui-monospace, Menlo, Consolas, monospace; }
#context li { cursor: pointer; white-space: pre-wrap; word-break: break-all; color: #444; }
#context li:hover { background: #eef1f6; }
#context li.current { background: #fff3c4; color: #000; }
#status { padding: 2px 16px; color: var(--muted); font-size: 11px; }
#status.error { color: var(--bad); font-weight: 700; font-size: 13px; }
)css";

const std::string_view kTraceHtmlErrorHook = R"html(<div id="status" data-ready="0" data-errors="0">loading the trace…</div>
<script>
window.traceErrors = [];
window.recordTraceError = function (message) {
  window.traceErrors.push(String(message));
  var status = document.getElementById('status');
  status.setAttribute('data-errors', String(window.traceErrors.length));
  status.setAttribute('data-error-messages', window.traceErrors.join(' | ').slice(0, 2000));
  status.className = 'error';
  status.textContent = 'script error: ' + window.traceErrors.join(' | ');
};
window.onerror = function (message, source, line, column) {
  window.recordTraceError(message + ' (line ' + line + ':' + column + ')');
};
window.addEventListener('unhandledrejection', function (event) {
  window.recordTraceError('unhandled rejection: ' + event.reason);
});
</script>
)html";

const std::string_view kTraceHtmlBody = R"html(
<nav id="controls">
  <span class="group">
    <button type="button" id="zoom-in" title="zoom in (+)">+</button>
    <button type="button" id="zoom-out" title="zoom out (-)">&minus;</button>
    <button type="button" id="zoom-fit" title="whole run (0)">fit</button>
  </span>
  <span class="group" id="group-filters">
    <label><input type="checkbox" data-group="net" checked> net</label>
    <label><input type="checkbox" data-group="disk" checked> disk</label>
    <label><input type="checkbox" data-group="sim" checked> sim</label>
    <label><input type="checkbox" data-group="log" checked> log</label>
    <label><input type="checkbox" id="show-arrows" checked> arrows</label>
  </span>
  <span class="group" id="actor-filters"></span>
  <input type="search" id="text-filter" placeholder="only events containing… (e.g. conn=3)">
  <span id="view-range"></span>
</nav>
<div id="legend">
  <span><b style="color:#3465a4">&#8594;</b> client&#8594;node message</span>
  <span><b style="color:#2a8c7e">&#8594;</b> node&#8594;client</span>
  <span><b style="color:#7a5ea8">&#8594;</b> node&#8594;node</span>
  <span><b style="color:#2f7d32">&#9644;</b> disk sync (start&#8594;durable)</span>
  <span><b style="color:#e07b00">&#9670;</b> disk fault</span>
  <span><b style="color:#e07b00">&#10005;</b> connection reset</span>
  <span><b style="color:#8e44ad">&#9604;</b> partition (until heal)</span>
  <span><b style="color:#c0262d">&#10006;</b> crash, lane broken until <b style="color:#2f7d32">|</b> boot</span>
  <span><b style="color:#c0262d">&#9474;</b> checker verdict</span>
</div>
<div id="timeline">
  <canvas id="canvas"></canvas>
  <canvas id="overlay"></canvas>
  <div id="lane-labels"></div>
</div>
<div id="tooltip" hidden></div>
<section id="details">
  <h2>Selected event</h2>
  <p class="hint">Hover a mark to see its trace line, click to pin it here. Wheel or +/&minus; zooms
    around the pointer, drag or &larr;/&rarr; pans, 0 shows the whole run.</p>
  <pre id="selected"></pre>
  <ol id="context"></ol>
</section>
)html";

const std::string_view kTraceHtmlScript = R"js(
(function () {
'use strict';
const data = JSON.parse(document.getElementById('trace-data').textContent);
const count = data.t.length;
const times = Float64Array.from(data.t);
const actorOf = Int32Array.from(data.a);
const kindOf = Int32Array.from(data.k);
const details = data.d;
const actors = data.actors;
const kinds = data.kinds;

// ---- geometry -------------------------------------------------------------------------------
const LABEL_WIDTH = 96, AXIS_HEIGHT = 26;
let LANE_HEIGHT = 48;
// Rows inside a lane, for a lane 48 pixels high; row() scales them to the lane's height.
const ROW_LOG = 7, ROW_NET = 17, ROW_MID = 25, ROW_DISK = 33, ROW_SPAN = 42;
function row(r) { return r * LANE_HEIGHT / 48; }

// ---- what each event is ---------------------------------------------------------------------
function groupOfKind(kind) {
  if (kind === 'log') return 'log';
  const prefix = kind.split('.')[0];
  return prefix === 'net' || prefix === 'disk' || prefix === 'log' ? prefix : 'sim';
}
// A style is how a mark is drawn: shape, colour, row in the lane, size.
const STYLES = [];
function style(shape, color, row, size) { STYLES.push({shape, color, row, size}); return STYLES.length - 1; }
const S = {
  send: style('tick', '#3465a4', ROW_NET, 5), deliver: style('tick', '#7fa7d9', ROW_NET, 5),
  conn: style('dot', '#5b6f8f', ROW_NET, 2.5), reset: style('cross', '#e07b00', ROW_NET, 5),
  refused: style('ring', '#e07b00', ROW_NET, 3.5), partition: style('down', '#8e44ad', ROW_NET, 6),
  heal: style('up', '#8e44ad', ROW_NET, 6), netcrash: style('dot', '#c0262d', ROW_NET, 3),
  io: style('tick', '#8a9a7b', ROW_DISK, 4), sync: style('up', '#2f7d32', ROW_DISK, 5),
  synced: style('square', '#2f7d32', ROW_DISK, 3.5), fault: style('diamond', '#e07b00', ROW_DISK, 6),
  diskcrash: style('diamond', '#8b1a1a', ROW_DISK, 4), diskinfo: style('dot', '#9aa0a6', ROW_DISK, 2),
  boot: style('boot', '#2f7d32', ROW_MID, 0), crash: style('crash', '#c0262d', ROW_MID, 9),
  simother: style('dot', '#555', ROW_MID, 3), verdict: style('verdict', '#c0262d', ROW_MID, 0),
  verdictPassed: style('verdict', '#2f7d32', ROW_MID, 0),
  log: style('dot', '#9aa0a6', ROW_LOG, 2), warn: style('dot', '#d4a000', ROW_LOG, 3),
  error: style('dot', '#c0262d', ROW_LOG, 3.5), other: style('dot', '#555', ROW_MID, 2.5),
};
const KIND_STYLE = {
  'net.send': S.send, 'net.deliver': S.deliver, 'net.connect': S.conn, 'net.accept': S.conn,
  'net.close': S.conn, 'net.listen': S.conn, 'net.reset': S.reset, 'net.refused': S.refused,
  'net.partition': S.partition, 'net.heal': S.heal, 'net.crash': S.netcrash,
  'disk.sync': S.sync, 'disk.sync_directory': S.sync, 'disk.synced': S.synced,
  'disk.synced_directory': S.synced, 'disk.fault': S.fault, 'disk.crash': S.diskcrash,
  'disk.crash.file': S.diskcrash, 'disk.crash.gone': S.diskcrash, 'disk.faults': S.diskinfo,
  'sim.boot': S.boot, 'sim.crash': S.crash, 'sim.verdict': S.verdict,
};
const kindGroup = kinds.map(groupOfKind);
const styleOf = new Uint8Array(count);
for (let i = 0; i < count; i++) {
  const kind = kinds[kindOf[i]];
  let s = KIND_STYLE[kind];
  if (s === undefined) {
    if (kind === 'log') {
      const level = details[i].slice(0, 5).toLowerCase();
      s = level.startsWith('error') || level.startsWith('fatal') ? S.error
        : level.startsWith('warn') ? S.warn : S.log;
    } else if (kind.startsWith('disk.')) s = S.io;
    else if (kind.startsWith('net.')) s = S.conn;
    else if (kind.startsWith('sim.')) s = S.simother;
    else s = S.other;
  }
  if (s === S.verdict && details[i].startsWith('passed')) s = S.verdictPassed;
  styleOf[i] = s;
}

// ---- lanes: nodes, then clients, then the rest, the simulator last ---------------------------
function laneRank(name) {
  const m = /^([a-z]+)(\d+)$/.exec(name);
  if (name === 'sim') return [3, 0, name];
  if (m && m[1] === 'n') return [0, +m[2], name];
  if (m && m[1] === 'c') return [1, +m[2], name];
  return [2, 0, name];
}
const laneOrder = actors.map((_, i) => i).sort((x, y) => {
  const a = laneRank(actors[x]), b = laneRank(actors[y]);
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
});
const laneEvents = actors.map(() => []);
for (let i = 0; i < count; i++) laneEvents[actorOf[i]].push(i);
const laneIndexes = laneEvents.map(list => Int32Array.from(list));
const laneTimes = laneEvents.map(list => Float64Array.from(list, i => times[i]));
function roleOf(name) {
  const rank = laneRank(name)[0];
  return rank === 0 ? 'node' : rank === 1 ? 'client' : rank === 3 ? 'sim' : 'other';
}

// ---- links: arrows and spans ------------------------------------------------------------------
const partner = new Int32Array(count).fill(-1);
const arrows = [], syncSpans = [], partitionSpans = [], downSpans = [];
const crashLinked = new Uint8Array(count);
for (let j = 0; j + 1 < data.links.length; j += 2) {
  const from = data.links[j], to = data.links[j + 1];
  partner[from] = to; partner[to] = from;
  const kind = kinds[kindOf[from]];
  if (kind === 'net.send') arrows.push(from, to);
  else if (kind === 'disk.sync' || kind === 'disk.sync_directory') syncSpans.push(from, to);
  else if (kind === 'net.partition') partitionSpans.push(from, to);
  else if (kind === 'sim.crash') { downSpans.push(from, to); crashLinked[from] = 1; }
}
const actorRole = actors.map(roleOf);
const arrowKind = new Uint8Array(arrows.length / 2);
for (let j = 0; j < arrows.length; j += 2) arrowKind[j >> 1] = arrowClass(arrows[j], arrows[j + 1]);
const firstTime = count ? times[0] : 0;
const lastTime = count ? times[count - 1] : 1;
for (let i = 0; i < count; i++) {
  if (styleOf[i] === S.crash && !crashLinked[i]) downSpans.push(i, -1);  // never rebooted
}
const verdictIndex = data.verdictIndex;
const verdictText = verdictIndex >= 0 ? details[verdictIndex] : '';
const verdictWord = verdictText.split(' ')[0];
const violation = verdictIndex >= 0 && verdictWord !== 'passed';

// ---- formatting -------------------------------------------------------------------------------
function formatTime(us) {
  const whole = Math.floor(us / 1e6), micros = Math.round(us - whole * 1e6);
  return whole + '.' + String(micros).padStart(6, '0') + 's';
}
function lineOf(i) {
  const detail = details[i];
  return formatTime(times[i]) + ' ' + actors[actorOf[i]] + ' ' + kinds[kindOf[i]] +
         (detail ? ' ' + detail : '');
}

// ---- state --------------------------------------------------------------------------------
const span0 = Math.max(lastTime - firstTime, 1000);
const view = { start: firstTime - span0 * 0.01, end: lastTime + span0 * 0.01 };
const shownGroups = { net: true, disk: true, sim: true, log: true };
let showArrows = true;
const shownActors = new Uint8Array(actors.length).fill(1);
let textMatch = null;  // Uint8Array when a text filter is set
let hovered = -1, selected = -1;
let visibleLanes = [];  // actor indexes, top to bottom
const laneSlot = new Int32Array(actors.length).fill(-1);

const timeline = document.getElementById('timeline');
const canvas = document.getElementById('canvas');
const overlay = document.getElementById('overlay');
const context = canvas.getContext('2d');
const overlayContext = overlay.getContext('2d');
const tooltip = document.getElementById('tooltip');
let width = 800, height = 200, plotWidth = 700;
const ratio = window.devicePixelRatio || 1;

function shown(i) {
  return shownGroups[kindGroup[kindOf[i]]] && shownActors[actorOf[i]] &&
         (textMatch === null || textMatch[i] === 1);
}
function xOf(t) { return LABEL_WIDTH + (t - view.start) / (view.end - view.start) * plotWidth; }
function timeOf(x) { return view.start + (x - LABEL_WIDTH) / plotWidth * (view.end - view.start); }
function laneTop(actor) { return AXIS_HEIGHT + laneSlot[actor] * LANE_HEIGHT; }
function lowerBound(array, value) {
  let lo = 0, hi = array.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (array[mid] < value) lo = mid + 1; else hi = mid; }
  return lo;
}

// ---- layout -------------------------------------------------------------------------------
function layout() {
  visibleLanes = laneOrder.filter(a => shownActors[a]);
  laneSlot.fill(-1);
  visibleLanes.forEach((a, slot) => { laneSlot[a] = slot; });
  width = Math.max(400, timeline.clientWidth || 800);
  // Lanes grow to use the window's height, within limits; the marks keep their rows.
  const room = window.innerHeight - timeline.getBoundingClientRect().top - 140;
  LANE_HEIGHT = Math.max(48, Math.min(84, Math.floor(room / Math.max(1, visibleLanes.length))));
  plotWidth = width - LABEL_WIDTH - 12;
  height = AXIS_HEIGHT + visibleLanes.length * LANE_HEIGHT + 8;
  for (const c of [canvas, overlay]) {
    c.width = Math.round(width * ratio); c.height = Math.round(height * ratio);
    c.style.width = width + 'px'; c.style.height = height + 'px';
  }
  const labels = document.getElementById('lane-labels');
  labels.textContent = '';
  for (const a of visibleLanes) {
    const label = document.createElement('div');
    const role = actorRole[a];
    label.className = 'lane ' + role;
    label.setAttribute('data-actor', actors[a]);
    label.setAttribute('data-role', role);
    label.style.top = laneTop(a) + 'px';
    label.style.height = LANE_HEIGHT + 'px';
    label.textContent = actors[a];
    const small = document.createElement('small');
    small.textContent = role + ' · ' + laneIndexes[a].length;
    label.appendChild(small);
    labels.appendChild(label);
  }
}

// ---- drawing ------------------------------------------------------------------------------
function niceStep(span, target) {
  const raw = span / target, power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
function drawAxis(g) {
  const span = view.end - view.start;
  const step = Math.max(1, niceStep(span, Math.max(2, plotWidth / 110)));
  const decimals = Math.max(0, Math.min(6, 6 - Math.floor(Math.log10(step))));
  g.fillStyle = '#f0f2f5'; g.fillRect(0, 0, width, AXIS_HEIGHT);
  g.font = '11px system-ui, sans-serif'; g.textBaseline = 'middle'; g.textAlign = 'center';
  for (let t = Math.ceil(view.start / step) * step; t <= view.end; t += step) {
    const x = xOf(t);
    if (x < LABEL_WIDTH) continue;
    g.fillStyle = '#e8ebf0'; g.fillRect(Math.round(x), AXIS_HEIGHT, 1, height - AXIS_HEIGHT);
    const label = (t / 1e6).toFixed(decimals) + 's', half = g.measureText(label).width / 2;
    if (x - half < LABEL_WIDTH || x + half > width) continue;  // no clipped labels
    g.fillStyle = '#555'; g.fillText(label, x, AXIS_HEIGHT / 2);
  }
  g.fillStyle = '#fff'; g.fillRect(0, 0, LABEL_WIDTH, AXIS_HEIGHT);
}
function spanVisible(t0, t1) { return t1 >= view.start && t0 <= view.end; }
function clampX(x) { return Math.max(LABEL_WIDTH, Math.min(LABEL_WIDTH + plotWidth, x)); }
function drawLanes(g) {
  visibleLanes.forEach((a, slot) => {
    const top = laneTop(a);
    g.fillStyle = slot % 2 ? '#fafbfc' : '#ffffff';
    g.fillRect(LABEL_WIDTH, top, plotWidth, LANE_HEIGHT);
    g.fillStyle = '#e3e6ea'; g.fillRect(0, top + LANE_HEIGHT - 1, width, 1);
    g.fillStyle = '#c3c8d0'; g.fillRect(LABEL_WIDTH, top + row(ROW_MID), plotWidth, 1);
  });
  // Partitions: a purple band over the lane until the heal.
  if (shownGroups.net) {
    for (let j = 0; j < partitionSpans.length; j += 2) {
      const from = partitionSpans[j], to = partitionSpans[j + 1];
      if (!shownActors[actorOf[from]] || !spanVisible(times[from], times[to])) continue;
      const top = laneTop(actorOf[from]);
      const x0 = clampX(xOf(times[from])), x1 = clampX(xOf(times[to]));
      g.fillStyle = 'rgba(142,68,173,0.10)'; g.fillRect(x0, top + 1, Math.max(1, x1 - x0), LANE_HEIGHT - 2);
      g.fillStyle = 'rgba(142,68,173,0.55)'; g.fillRect(x0, top + LANE_HEIGHT - 5, Math.max(1, x1 - x0), 3);
      if (x1 - x0 > 60) {
        g.fillStyle = '#6c3483'; g.font = '10px system-ui, sans-serif'; g.textAlign = 'left';
        g.fillText('cut ' + (details[from].replace('to=', '→ ')), x0 + 3, top + LANE_HEIGHT - 10);
      }
    }
  }
  // Down time: the lane is broken (hatched, no line) from a crash to the next boot.
  for (let j = 0; j < downSpans.length; j += 2) {
    const from = downSpans[j], to = downSpans[j + 1];
    const end = to >= 0 ? times[to] : view.end;
    if (!shownActors[actorOf[from]] || !spanVisible(times[from], end)) continue;
    const top = laneTop(actorOf[from]);
    const x0 = clampX(xOf(times[from])), x1 = clampX(xOf(end));
    g.fillStyle = '#fbe3e3'; g.fillRect(x0, top + 1, Math.max(2, x1 - x0), LANE_HEIGHT - 2);
    g.save(); g.beginPath(); g.rect(x0, top + 1, Math.max(2, x1 - x0), LANE_HEIGHT - 2); g.clip();
    g.strokeStyle = 'rgba(192,38,45,0.25)'; g.lineWidth = 1; g.beginPath();
    for (let x = x0 - LANE_HEIGHT; x < x1; x += 8) { g.moveTo(x, top + LANE_HEIGHT); g.lineTo(x + LANE_HEIGHT, top); }
    g.stroke(); g.restore();
    if (x1 - x0 > 40) {
      g.fillStyle = '#9b1c22'; g.font = '10px system-ui, sans-serif'; g.textAlign = 'left';
      g.fillText('down', x0 + 4, top + row(ROW_MID));
    }
  }
  // Disk syncs: a green bar from the sync to durability (red when the sync failed).
  if (shownGroups.disk) {
    for (let j = 0; j < syncSpans.length; j += 2) {
      const from = syncSpans[j], to = syncSpans[j + 1];
      if (!shownActors[actorOf[from]] || !spanVisible(times[from], times[to])) continue;
      if (textMatch && !textMatch[from] && !textMatch[to]) continue;
      const top = laneTop(actorOf[from]);
      const x0 = clampX(xOf(times[from])), x1 = clampX(xOf(times[to]));
      g.fillStyle = styleOf[to] === S.fault ? '#e07b00' : 'rgba(47,125,50,0.75)';
      g.fillRect(x0, top + row(ROW_SPAN) - 1, Math.max(1.5, x1 - x0), 3);
    }
  }
}
const ARROW_COLORS = ['52,101,164', '42,140,126', '122,94,168'];  // from a client, to one, between nodes
function arrowClass(from, to) {
  if (actorRole[actorOf[from]] === 'client') return 0;
  return actorRole[actorOf[to]] === 'client' ? 1 : 2;
}
function drawArrows(g) {
  if (!showArrows || !shownGroups.net) return 0;
  const visible = [[], [], []];
  let n = 0;
  for (let j = 0; j < arrows.length; j += 2) {
    const from = arrows[j], to = arrows[j + 1];
    if (!shownActors[actorOf[from]] || !shownActors[actorOf[to]]) continue;
    const t0 = times[from], t1 = times[to];
    if (t1 < view.start || t0 > view.end) continue;
    if (textMatch && !textMatch[from] && !textMatch[to]) continue;
    visible[arrowKind[j >> 1]].push(from, to);
    n++;
  }
  const alpha = n > 3000 ? 0.15 : n > 600 ? 0.3 : n > 150 ? 0.6 : 0.9;
  const heads = n <= 600;
  g.lineWidth = n > 3000 ? 0.7 : 1;
  // Zoomed out, many arrows share their pixels: draw one per (lanes, start pixel, end pixel).
  const lastStart = new Float64Array(actors.length * actors.length).fill(-1);
  const lastEnd = new Float64Array(actors.length * actors.length).fill(-1);
  visible.forEach((list, kind) => {
    g.strokeStyle = g.fillStyle = 'rgba(' + ARROW_COLORS[kind] + ',' + alpha + ')';
    g.beginPath();
    for (let j = 0; j < list.length; j += 2) {
      const from = list[j], to = list[j + 1];
      const x0 = xOf(times[from]), x1 = xOf(times[to]);
      const pair = actorOf[from] * actors.length + actorOf[to];
      const px0 = Math.round(x0), px1 = Math.round(x1);
      if (px0 === lastStart[pair] && px1 === lastEnd[pair]) continue;
      lastStart[pair] = px0; lastEnd[pair] = px1;
      const y0 = laneTop(actorOf[from]) + row(ROW_NET), y1 = laneTop(actorOf[to]) + row(ROW_NET);
      g.moveTo(x0, y0); g.lineTo(x1, y1);
    }
    g.stroke();
    if (heads) {
      for (let j = 0; j < list.length; j += 2) {
        const from = list[j], to = list[j + 1];
        arrowHead(g, xOf(times[from]), laneTop(actorOf[from]) + row(ROW_NET),
                  xOf(times[to]), laneTop(actorOf[to]) + row(ROW_NET));
      }
    }
  });
  g.lineWidth = 1;
  return n;
}
function arrowHead(g, x0, y0, x1, y1) {
  const angle = Math.atan2(y1 - y0, x1 - x0), size = 6;
  g.beginPath(); g.moveTo(x1, y1);
  g.lineTo(x1 - size * Math.cos(angle - 0.4), y1 - size * Math.sin(angle - 0.4));
  g.lineTo(x1 - size * Math.cos(angle + 0.4), y1 - size * Math.sin(angle + 0.4));
  g.closePath(); g.fill();
}
function drawMark(g, s, x, top, emphasis) {
  const st = STYLES[s], y = top + row(st.row), r = st.size * (emphasis || 1);
  g.fillStyle = g.strokeStyle = st.color;
  switch (st.shape) {
    case 'tick': g.fillRect(x - 0.5, y - r, 1.5, 2 * r); break;
    case 'dot': g.beginPath(); g.arc(x, y, r, 0, 6.2832); g.fill(); break;
    case 'ring': g.lineWidth = 1.5; g.beginPath(); g.arc(x, y, r, 0, 6.2832); g.stroke(); break;
    case 'square': g.fillRect(x - r, y - r, 2 * r, 2 * r); break;
    case 'diamond': g.beginPath(); g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y); g.closePath(); g.fill(); break;
    case 'up': g.beginPath(); g.moveTo(x, y - r); g.lineTo(x + r * 0.8, y + r * 0.6); g.lineTo(x - r * 0.8, y + r * 0.6); g.closePath(); g.fill(); break;
    case 'down': g.beginPath(); g.moveTo(x, y + r); g.lineTo(x + r * 0.8, y - r * 0.6); g.lineTo(x - r * 0.8, y - r * 0.6); g.closePath(); g.fill(); break;
    case 'cross': g.lineWidth = 2; g.beginPath(); g.moveTo(x - r, y - r); g.lineTo(x + r, y + r); g.moveTo(x + r, y - r); g.lineTo(x - r, y + r); g.stroke(); break;
    case 'crash': g.lineWidth = 3; g.beginPath(); g.moveTo(x - r, y - r - 4); g.lineTo(x + r, y + r + 4); g.moveTo(x + r, y - r - 4); g.lineTo(x - r, y + r + 4); g.stroke(); break;
    case 'boot': g.fillRect(x - 1, top + 3, 3, LANE_HEIGHT - 6); break;
    case 'verdict': g.fillRect(x - 1, top + 3, 3, LANE_HEIGHT - 6); break;
  }
  g.lineWidth = 1;
}
function drawEvents(g) {
  let drawn = 0;
  const lastX = new Float64Array(STYLES.length);
  for (const a of visibleLanes) {
    const top = laneTop(a), indexes = laneIndexes[a], laneT = laneTimes[a];
    lastX.fill(-1e9);
    let labelX = -1e9;
    const end = lowerBound(laneT, view.end + 1);
    for (let p = lowerBound(laneT, view.start); p < end; p++) {
      const i = indexes[p];
      if (!shown(i)) continue;
      const s = styleOf[i];
      const x = xOf(times[i]);
      if (x - lastX[s] < 1 && s !== S.crash && s !== S.boot) continue;
      lastX[s] = x;
      drawMark(g, s, x, top);
      drawn++;
      if ((s === S.boot || s === S.crash) && x - labelX > 56) {
        g.font = '10px system-ui, sans-serif'; g.textAlign = 'left';
        g.fillStyle = s === S.boot ? '#2f7d32' : '#c0262d';
        g.fillText((s === S.boot ? 'boot ' : 'crash ') + details[i].replace('incarnation=', '#'), x + 4, top + row(ROW_DISK) + 9);
        labelX = x;
      }
    }
  }
  return drawn;
}
function drawVerdict(g) {
  if (verdictIndex < 0) return;
  const x = xOf(times[verdictIndex]);
  if (x < LABEL_WIDTH - 2 || x > LABEL_WIDTH + plotWidth + 2) return;
  const color = violation ? '#c0262d' : '#2f7d32';
  g.fillStyle = violation ? 'rgba(192,38,45,0.85)' : 'rgba(47,125,50,0.6)';
  g.fillRect(x - (violation ? 1.5 : 0.5), AXIS_HEIGHT, violation ? 3 : 1, height - AXIS_HEIGHT);
  const text = (violation ? '✖ ' : '✓ ') + verdictText;
  g.font = 'bold 12px system-ui, sans-serif';
  const label = text.length > 90 ? text.slice(0, 88) + '…' : text;
  const w = g.measureText(label).width + 10;
  const left = x - w - 4 < LABEL_WIDTH ? x + 4 : x - w - 4;
  g.fillStyle = violation ? '#fde8e8' : '#eaf6ea';
  g.fillRect(left, AXIS_HEIGHT + 2, w, 18);
  g.strokeStyle = color; g.strokeRect(left + 0.5, AXIS_HEIGHT + 2.5, w - 1, 17);
  g.fillStyle = color; g.textAlign = 'left'; g.textBaseline = 'middle';
  g.fillText(label, left + 5, AXIS_HEIGHT + 11);
}
let lastStats = { drawn: 0, arrows: 0 };
function draw() {
  const g = context;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  g.textBaseline = 'middle';
  drawAxis(g);
  g.save(); g.beginPath(); g.rect(LABEL_WIDTH, AXIS_HEIGHT, plotWidth + 12, height); g.clip();
  drawLanes(g);
  const arrowCount = drawArrows(g);
  const drawn = drawEvents(g);
  g.restore();
  drawVerdict(g);
  lastStats = { drawn, arrows: arrowCount };
  document.getElementById('view-range').textContent =
    formatTime(Math.max(0, view.start)) + ' – ' + formatTime(Math.max(0, view.end)) +
    '  (' + drawn + ' marks, ' + arrowCount + ' arrows)';
  drawOverlay();
}
let drawPending = false;
function redraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; draw(); });
}

// ---- hover, selection ---------------------------------------------------------------------
function eventAt(x, y) {
  const slot = Math.floor((y - AXIS_HEIGHT) / LANE_HEIGHT);
  if (slot < 0 || slot >= visibleLanes.length || x < LABEL_WIDTH) return -1;
  const a = visibleLanes[slot], laneT = laneTimes[a], indexes = laneIndexes[a];
  const perPixel = (view.end - view.start) / plotWidth;
  const rowY = y - laneTop(a);
  let best = -1, bestScore = 1e9;
  const end = lowerBound(laneT, timeOf(x + 8) + 1);
  for (let p = lowerBound(laneT, timeOf(x - 8)); p < end; p++) {
    const i = indexes[p];
    if (!shown(i)) continue;
    const dx = Math.abs(xOf(times[i]) - x), dy = Math.abs(row(STYLES[styleOf[i]].row) - rowY);
    const score = dx + dy * 0.5;
    if (score < bestScore) { bestScore = score; best = i; }
    if (perPixel > 0 && end - p > 5000) break;  // zoomed far out: the first few are enough
  }
  return best;
}
function drawOverlay() {
  const g = overlayContext;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  for (const [i, color] of [[selected, '#f0a500'], [hovered, '#1d2330']]) {
    if (i < 0 || laneSlot[actorOf[i]] < 0) continue;
    const x = xOf(times[i]), top = laneTop(actorOf[i]);
    if (x < LABEL_WIDTH || x > LABEL_WIDTH + plotWidth) continue;
    g.strokeStyle = color; g.lineWidth = 2;
    g.strokeRect(x - 7, top + 2, 14, LANE_HEIGHT - 4);
    const other = partner[i];
    if (other >= 0 && laneSlot[actorOf[other]] >= 0) {
      const ox = xOf(times[other]), otop = laneTop(actorOf[other]);
      g.setLineDash([4, 3]);
      g.strokeRect(ox - 6, otop + 3, 12, LANE_HEIGHT - 6);
      g.beginPath(); g.moveTo(x, top + row(ROW_NET)); g.lineTo(ox, otop + row(ROW_NET)); g.stroke();
      g.setLineDash([]);
    }
  }
  g.lineWidth = 1;
}
const PARTNER_WORDS = { 'net.send': 'delivered', 'net.deliver': 'sent',
  'disk.sync': 'completed', 'disk.sync_directory': 'completed', 'disk.synced': 'started',
  'disk.synced_directory': 'started', 'disk.fault': 'sync started', 'net.partition': 'healed',
  'net.heal': 'cut', 'sim.crash': 'rebooted', 'sim.boot': 'crashed' };
function describe(i) {
  let text = lineOf(i);
  const other = partner[i];
  if (other >= 0) {
    const word = PARTNER_WORDS[kinds[kindOf[i]]] || 'linked';
    const delta = Math.abs(times[other] - times[i]);
    text += '\n  ' + word + ' (' + (delta >= 1000 ? (delta / 1000).toFixed(3) + ' ms' : delta + ' µs') + '): ' + lineOf(other);
  }
  return text;
}
function select(i, center) {
  selected = i;
  document.getElementById('selected').textContent = i >= 0 ? describe(i) : '';
  const list = document.getElementById('context');
  list.textContent = '';
  if (i >= 0) {
    for (let j = Math.max(0, i - 6); j <= Math.min(count - 1, i + 6); j++) {
      const item = document.createElement('li');
      item.textContent = lineOf(j);
      if (j === i) item.className = 'current';
      item.addEventListener('click', () => select(j, true));
      list.appendChild(item);
    }
  }
  if (center && i >= 0) {
    const span = view.end - view.start;
    if (times[i] < view.start || times[i] > view.end) {
      view.start = times[i] - span / 2; view.end = times[i] + span / 2;
    }
    if (!shownActors[actorOf[i]]) { shownActors[actorOf[i]] = 1; syncActorBoxes(); layout(); }
  }
  redraw();
}

// ---- interaction --------------------------------------------------------------------------
function zoom(factor, aroundX) {
  const pivot = timeOf(aroundX === undefined ? LABEL_WIDTH + plotWidth / 2 : aroundX);
  const span = Math.min(span0 * 1.5, Math.max(20, (view.end - view.start) * factor));
  const share = (pivot - view.start) / (view.end - view.start);
  view.start = pivot - share * span; view.end = view.start + span;
  redraw();
}
function pan(pixels) {
  const shift = pixels / plotWidth * (view.end - view.start);
  view.start += shift; view.end += shift;
  redraw();
}
function fit() {
  view.start = firstTime - span0 * 0.01; view.end = lastTime + span0 * 0.01;
  redraw();
}
function localPoint(event) {
  const box = canvas.getBoundingClientRect();
  return [event.clientX - box.left, event.clientY - box.top];
}
canvas.addEventListener('wheel', event => {
  event.preventDefault();
  const [x] = localPoint(event);
  if (Math.abs(event.deltaX) > Math.abs(event.deltaY) || event.shiftKey) {
    pan(event.deltaX || event.deltaY);
  } else {
    zoom(Math.exp(event.deltaY * 0.0015), x);
  }
}, { passive: false });
let drag = null;
canvas.addEventListener('mousedown', event => {
  const [x] = localPoint(event);
  drag = { x, start: view.start, end: view.end, moved: false };
});
window.addEventListener('mousemove', event => {
  const [x, y] = localPoint(event);
  if (drag) {
    const dx = x - drag.x;
    if (Math.abs(dx) > 3) { drag.moved = true; canvas.classList.add('dragging'); }
    if (drag.moved) {
      const shift = dx / plotWidth * (drag.end - drag.start);
      view.start = drag.start - shift; view.end = drag.end - shift;
      redraw();
      return;
    }
  }
  const inside = x >= 0 && y >= 0 && x <= width && y <= height;
  const i = inside ? eventAt(x, y) : -1;
  if (i !== hovered) { hovered = i; drawOverlay(); }
  if (i >= 0) {
    tooltip.textContent = describe(i);
    tooltip.hidden = false;
    const left = Math.min(event.clientX + 14, window.innerWidth - Math.min(720, tooltip.offsetWidth) - 8);
    tooltip.style.left = Math.max(4, left) + 'px';
    tooltip.style.top = (event.clientY + 16) + 'px';
  } else {
    tooltip.hidden = true;
  }
});
window.addEventListener('mouseup', event => {
  if (drag && !drag.moved) {
    const [x, y] = localPoint(event);
    const i = eventAt(x, y);
    if (i >= 0) select(i, false);
  }
  drag = null;
  canvas.classList.remove('dragging');
});
canvas.addEventListener('mouseleave', () => { tooltip.hidden = true; if (hovered >= 0) { hovered = -1; drawOverlay(); } });
window.addEventListener('keydown', event => {
  if (event.target instanceof HTMLInputElement) return;
  if (event.key === '+' || event.key === '=') zoom(1 / 1.5);
  else if (event.key === '-' || event.key === '_') zoom(1.5);
  else if (event.key === '0') fit();
  else if (event.key === 'ArrowLeft') pan(-plotWidth / 5);
  else if (event.key === 'ArrowRight') pan(plotWidth / 5);
});
document.getElementById('zoom-in').addEventListener('click', () => zoom(1 / 1.5));
document.getElementById('zoom-out').addEventListener('click', () => zoom(1.5));
document.getElementById('zoom-fit').addEventListener('click', fit);
const gotoViolation = document.getElementById('goto-violation');
if (gotoViolation && verdictIndex >= 0) {
  gotoViolation.addEventListener('click', () => {
    // The verdict comes at the end; what led to it is usually the last crash and restart.
    const t = times[verdictIndex];
    view.start = t - span0 * 0.2; view.end = t + span0 * 0.02;
    select(verdictIndex, false);
    timeline.scrollIntoView({ block: 'nearest' });
  });
}
for (const box of document.querySelectorAll('#group-filters input[data-group]')) {
  box.addEventListener('change', () => { shownGroups[box.getAttribute('data-group')] = box.checked; redraw(); });
}
document.getElementById('show-arrows').addEventListener('change', event => { showArrows = event.target.checked; redraw(); });
const actorBoxes = [];
function syncActorBoxes() { actorBoxes.forEach((box, a) => { box.checked = !!shownActors[a]; }); }
const actorFilters = document.getElementById('actor-filters');
actorFilters.appendChild(document.createTextNode('lanes:'));
for (const a of laneOrder) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox'; box.checked = true; box.setAttribute('data-actor', actors[a]);
  box.addEventListener('change', () => { shownActors[a] = box.checked ? 1 : 0; layout(); redraw(); });
  actorBoxes[a] = box;
  label.appendChild(box);
  label.appendChild(document.createTextNode(' ' + actors[a]));
  actorFilters.appendChild(label);
}
function filterText(text) {
  const needle = text.trim().toLowerCase();
  if (!needle) { textMatch = null; redraw(); return; }
  textMatch = new Uint8Array(count);
  for (let i = 0; i < count; i++) if (lineOf(i).toLowerCase().includes(needle)) textMatch[i] = 1;
  redraw();
}
let filterTimer = 0;
document.getElementById('text-filter').addEventListener('input', event => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => filterText(event.target.value), 150);
});
window.addEventListener('resize', () => { layout(); redraw(); });

// ---- self test: page.html#selftest drives the controls as a user would, so the headless test
// runs the interaction code too; the result lands in #status's data-selftest.
function selfTest() {
  const failures = [];
  const expect = (ok, what) => { if (!ok) failures.push(what); };
  const box = canvas.getBoundingClientRect();
  const at = (x, y, extra) => Object.assign({ clientX: box.left + x, clientY: box.top + y,
                                              bubbles: true, cancelable: true }, extra || {});
  const mouse = (type, x, y) => (type === 'mousedown' ? canvas : window).dispatchEvent(new MouseEvent(type, at(x, y)));
  const middle = LABEL_WIDTH + plotWidth / 2;
  let span = view.end - view.start;
  canvas.dispatchEvent(new WheelEvent('wheel', at(middle, AXIS_HEIGHT + 10, { deltaY: -400 })));
  draw();
  expect(view.end - view.start < span, 'wheel zooms in');
  const start = view.start;
  mouse('mousedown', middle, AXIS_HEIGHT + 10); mouse('mousemove', middle + 120, AXIS_HEIGHT + 10);
  mouse('mouseup', middle + 120, AXIS_HEIGHT + 10);
  draw();
  expect(view.start < start, 'dragging right pans to earlier time');
  // Hover and click a crash if there is one, else the first event of the first lane.
  let target = -1;
  for (let i = 0; i < count && target < 0; i++) if (styleOf[i] === S.crash) target = i;
  if (target < 0) target = laneIndexes[visibleLanes[0]][0];
  view.start = times[target] - 500; view.end = times[target] + 500;
  draw();
  const x = xOf(times[target]), y = laneTop(actorOf[target]) + row(STYLES[styleOf[target]].row);
  mouse('mousemove', x, y);
  expect(hovered === target, 'hover finds the event under the pointer');
  expect(!tooltip.hidden && tooltip.textContent.startsWith(lineOf(target)), 'the tooltip shows its line');
  mouse('mousedown', x, y); mouse('mouseup', x, y);
  draw();
  expect(selected === target, 'a click selects it');
  expect(document.getElementById('selected').textContent.startsWith(lineOf(target)), 'details show it');
  expect(document.querySelectorAll('#context li').length > 1, 'details show the events around it');
  for (const input of document.querySelectorAll('#group-filters input, #actor-filters input')) {
    input.click(); draw(); input.click(); draw();
  }
  expect(visibleLanes.length === actors.length, 'every lane is back after its box is ticked again');
  const firstBox = document.querySelector('#actor-filters input');
  firstBox.click(); draw();
  expect(visibleLanes.length === actors.length - 1, 'unticking a lane hides it');
  firstBox.click(); draw();
  filterText(details[target] || actors[actorOf[target]]); draw();
  expect(textMatch !== null && textMatch[target] === 1, 'the text filter keeps matching events');
  filterText(''); draw();
  span = view.end - view.start;
  document.getElementById('zoom-out').click(); draw();
  expect(view.end - view.start > span, 'the - button zooms out');
  document.getElementById('zoom-fit').click(); draw();
  expect(view.start <= firstTime && view.end >= lastTime, 'fit shows the whole run');
  const goto = document.getElementById('goto-violation');
  if (goto) {
    goto.click(); draw();
    expect(selected === verdictIndex && times[verdictIndex] <= view.end, 'show goes to the verdict');
  }
  mouse('mousemove', -50, -50);
  fit(); select(-1, false); draw();
  return failures.length ? 'failed: ' + failures.join('; ') : 'ok';
}

// ---- first draw, synchronously, then tell the world ---------------------------------------
const groupCounts = { net: 0, disk: 0, sim: 0, log: 0 };
for (let i = 0; i < count; i++) groupCounts[kindGroup[kindOf[i]]]++;
for (const box of document.querySelectorAll('#group-filters input[data-group]')) {
  const note = document.createElement('span');
  note.className = 'count';
  note.textContent = ' ' + groupCounts[box.getAttribute('data-group')];
  box.parentNode.appendChild(note);
}
// A link can carry a view: page.html#view=12.1-12.4 (seconds).
const viewInHash = /view=([0-9.]+)-([0-9.]+)/.exec(location.hash);
if (viewInHash && +viewInHash[2] > +viewInHash[1]) {
  view.start = +viewInHash[1] * 1e6; view.end = +viewInHash[2] * 1e6;
}
const drawStarted = performance.now();
layout();
draw();
const drawMs = performance.now() - drawStarted;
const status = document.getElementById('status');
if (status.getAttribute('data-errors') === '0') {
  status.setAttribute('data-ready', '1');
  status.setAttribute('data-events', String(count));
  status.setAttribute('data-draw-ms', drawMs.toFixed(1));
  status.setAttribute('data-lanes', String(visibleLanes.length));
  status.setAttribute('data-lane-names', visibleLanes.map(a => actors[a]).join(','));
  status.setAttribute('data-arrows', String(arrows.length / 2));
  status.setAttribute('data-verdict', verdictIndex >= 0 ? verdictWord : 'none');
  status.setAttribute('data-violation', violation ? '1' : '0');
  status.setAttribute('data-violation-drawn', violation && verdictIndex >= 0 ? '1' : '0');
  if (/selftest/.test(location.hash)) status.setAttribute('data-selftest', selfTest());
  status.textContent = count + ' events in ' + visibleLanes.length + ' lanes, ' + arrows.length / 2 +
      ' messages, drawn in ' + drawMs.toFixed(0) + ' ms' + (data.unparsed ? ', ' + data.unparsed + ' unreadable lines skipped' : '');
}
})();
)js";

}  // namespace brook::sim
