// The HTML report's inline stylesheet and script. Kept apart from the page builder so the
// markup logic reads on its own. The script reads only the DOM (no data is interpolated into
// it), so escaping the DOM text is all the injection defence the page needs.
#include "reports/leaderboard_html_assets.h"

namespace qb::reports {

const char* leaderboard_css() {
  return R"CSS(
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#ffffff; --band:#f6f8fa; --accent:#0b5cad;
  --up:#1a7f37; --down:#cf222e; --pub:#fff8e5; --publine:#e3c46b; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", "DejaVu Sans", sans-serif; }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: linear-gradient(#f6f8fa, #fff); }
header h1 { margin: 0 0 4px; font-size: 22px; letter-spacing: .2px; }
header .sub { margin: 0; color: var(--muted); }
nav { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { padding: 8px 32px 40px; max-width: 1500px; }
section { margin-top: 26px; }
h2 { font-size: 18px; margin: 0 0 6px; padding-bottom: 4px; border-bottom: 2px solid var(--fg); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.note { color: var(--muted); margin: 4px 0 10px; font-size: 13px; max-width: 980px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid #8c959f; font-weight: 600; white-space: nowrap;
  position: sticky; top: 0; }
th small { display: block; font-weight: 400; color: var(--muted); font-size: 11px; }
td.num, th.num { text-align: right; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:hover { background: #eaeef2; }
th[aria-sort="ascending"]::before { content: "\25B2  "; font-size: 10px; color: var(--accent); }
th[aria-sort="descending"]::before { content: "\25BC  "; font-size: 10px; color: var(--accent); }
tbody tr:hover td { background: #f3f8ff; }
tr.published td { background: var(--pub); }
tr.published td:first-child { box-shadow: inset 3px 0 var(--publine); }
.badge { display: inline-block; font-size: 10.5px; font-weight: 600; padding: 0 6px; border-radius: 9px;
  margin-left: 6px; vertical-align: 1px; border: 1px solid; }
.badge.pub { color: #7d5a00; border-color: var(--publine); background: #fff3c4; }
.badge.rag { color: #4b2e83; border-color: #b9a6e0; background: #f1ebfb; }
.model { font-weight: 600; white-space: nowrap; }
td.src { white-space: nowrap; color: var(--muted); }
.v { display: block; font-weight: 600; font-size: 14.5px; }
.ci { display: block; color: var(--muted); font-size: 11.5px; white-space: nowrap; }
.d { display: block; font-size: 12px; white-space: nowrap; }
.d.good { color: var(--up); } .d.bad { color: var(--down); }
.d.ns { color: var(--muted); }
.d .mark { font-weight: 700; }
.missing { color: #afb8c1; }
.legend { font-size: 12.5px; color: var(--muted); margin: 6px 0 0; }
.grid-cards { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: #fff; }
.card h3 { margin-top: 0; }
table.compact th, table.compact td { padding: 3px 8px; font-size: 12.5px; }
td.heat { text-align: right; min-width: 64px; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 12px; }
td.sig { word-break: break-all; max-width: 620px; }
dl.summary { display: grid; grid-template-columns: auto auto; gap: 1px 12px; font-size: 12.5px; margin: 6px 0 0; }
dl.summary dt { color: var(--muted); } dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
svg.chart { display: block; font-size: 10.5px; }
svg.chart .ct { font-weight: 600; font-size: 12px; fill: var(--fg); }
svg.chart .grid { stroke: #eaeef2; } svg.chart .tick { stroke: #8c959f; }
svg.chart .zero { stroke: #57606a; stroke-dasharray: 3 3; }
svg.chart .frame { fill: none; stroke: #8c959f; }
svg.chart .yt { text-anchor: end; fill: var(--muted); } svg.chart .xt { text-anchor: middle; fill: var(--muted); }
svg.chart .xl { text-anchor: middle; fill: var(--muted); } svg.chart .lg { fill: var(--fg); }
svg.chart .line { fill: none; stroke-width: 1.7; stroke-linejoin: round; }
svg.chart .empty { fill: var(--muted); }
svg.forest .fl { text-anchor: end; fill: var(--fg); font-size: 12px; }
svg.forest .est { stroke: #8c959f; fill: #fff; stroke-width: 2; }
svg.forest .est.sig { stroke: var(--accent); fill: var(--accent); }
svg.forest .pub { fill: none; stroke: #b07d00; stroke-width: 1.6; }
footer { color: var(--muted); font-size: 12px; padding: 16px 32px 30px; border-top: 1px solid var(--line); }
#script-errors { color: var(--down); }
@media (max-width: 900px) { header, main, footer { padding-left: 14px; padding-right: 14px; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10.5px; }
  nav, #script-errors { display: none; }
  header { background: none; padding: 0 0 6px; }
  main { padding: 0; max-width: none; }
  .scroll { overflow: visible; }
  thead th { position: static; }
  section { break-inside: auto; }
  .card, table, svg { break-inside: avoid; }
  tr.published td, .badge, td.heat { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
)CSS";
}

const char* leaderboard_js() {
  return R"JS(
(function () {
  "use strict";
  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    if (!cell) return null;
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") return null;
    return numeric ? parseFloat(v) : v;
  }
  function sortTable(table, col, dir) {
    var th = table.tHead.rows[0].cells[col];
    if (!th) return;
    var numeric = th.getAttribute("data-type") !== "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r.__order = i; });
    rows.sort(function (a, b) {
      var ka = cellKey(a, col, numeric), kb = cellKey(b, col, numeric);
      if (ka === null && kb === null) return a.__order - b.__order;
      if (ka === null) return 1;   // rows without a value stay last in both directions
      if (kb === null) return -1;
      var c = numeric ? ka - kb : String(ka).localeCompare(String(kb));
      if (c === 0) return a.__order - b.__order;
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.title = "sort by this column";
      th.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "descending" ? "asc" : "desc";
        if (th.getAttribute("data-type") === "text" && !th.hasAttribute("aria-sort")) next = "asc";
        sortTable(table, th.cellIndex, next);
      });
    });
  });
  // #sort=TABLE_ID:COLUMN:asc|desc opens the page already sorted (shareable links, tests).
  var m = /(?:^#|&)sort=([^:&]+):(\d+):(asc|desc)/.exec(location.hash);
  if (m) {
    var t = document.getElementById(decodeURIComponent(m[1]));
    if (t) sortTable(t, parseInt(m[2], 10), m[3]);
  }
})();
)JS";
}

}  // namespace qb::reports
