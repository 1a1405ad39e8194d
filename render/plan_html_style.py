"""The style sheet of the HTML review page (``render.plan_html``), inlined into the page.

Kept apart so the page builder reads as structure.  Constraints it meets:
no fonts, images or other resources from anywhere (the page's Content Security
Policy forbids them, and the browser test fails on any blocked load); readable
at 1366 pixels wide, where the upgrade and downgrade columns sit side by side
(they stack on narrower windows); a diagram shrinks to its column's width and
its frame scrolls when the diagram is taller than the window.  Colours follow
the diagrams: orange marks suspension, blue a supervisor child started or
stopped, red the point of no return.
"""

from __future__ import annotations

STYLE_SHEET = """\
:root {
  color-scheme: light;
  --ink: #1d2330; --muted: #5b6472; --line: #d5dae1; --page: #f4f5f7; --card: #ffffff;
  --hot: #1f7a3d; --hot-bg: #e5f4ea; --restart: #8a4b00; --restart-bg: #fff0d6;
  --emulator: #a3231a; --emulator-bg: #fde4e1;
  --suspend: #c2410c; --suspend-bg: #fff1e3; --link: #1d4ed8;
  --start: #2e7d32; --start-bg: #e6f4e6; --stop: #c62828; --stop-bg: #fde8e6;
  --warn: #8a4b00; --warn-bg: #fff7e0;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.45 system-ui, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif;
}
main { max-width: 1340px; margin: 0 auto; padding: 12px 18px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 {
  font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line);
}
h3 { font-size: 16px; margin: 18px 0 8px; }
h4 { font-size: 14px; margin: 0 0 6px; }
p { margin: 4px 0 8px; }
ul { margin: 4px 0 8px; padding-left: 22px; }
code, .term {
  font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 12px;
}
nav { font-size: 13px; color: var(--muted); }
nav a { color: var(--link); margin-right: 14px; }
.muted { color: var(--muted); }
.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
}
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
  font-size: 13px; vertical-align: 2px;
}
.verdict-hot { color: var(--hot); background: var(--hot-bg); }
.verdict-restart_application { color: var(--restart); background: var(--restart-bg); }
.verdict-restart_emulator { color: var(--emulator); background: var(--emulator-bg); }
.counts {
  display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin: 10px 0;
}
.count {
  background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px;
}
.count span { display: block; color: var(--muted); font-size: 12px; }
.count b { font-size: 15px; }
table.applications { width: auto; min-width: 50%; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
@media (max-width: 1000px) { .pair { grid-template-columns: minmax(0, 1fr); } }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eceef2; font-size: 12px; }
td { overflow-wrap: anywhere; }
table.steps { table-layout: fixed; }
table.steps col.number { width: 30px; }
table.steps col.step { width: 42%; }
table.steps col.suspends { width: 25%; }
td.number { text-align: right; color: var(--muted); }
.say { font-weight: 600; }
.after { color: var(--muted); }
.term { display: block; color: var(--muted); margin-top: 2px; }
.rule { display: inline-block; color: var(--muted); font-size: 11px; }
tr.suspending td { background: var(--suspend-bg); }
tr.suspending td.number { border-left: 4px solid var(--suspend); }
tr.child-start td { background: var(--start-bg); }
tr.child-start td.number { border-left: 4px solid var(--start); }
tr.child-stop td { background: var(--stop-bg); }
tr.child-stop td.number { border-left: 4px solid var(--stop); }
tr.no-return td { border-top: 3px solid var(--stop); font-weight: 600; }
.legend { font-size: 12px; color: var(--muted); }
.key { display: inline-block; padding: 0 6px; margin: 0 4px 0 10px; border-left: 4px solid; }
.key.suspending { background: var(--suspend-bg); border-color: var(--suspend); }
.key.child-start { background: var(--start-bg); border-color: var(--start); }
.key.child-stop { background: var(--stop-bg); border-color: var(--stop); }
.process {
  display: inline-block; margin: 1px 2px 1px 0; padding: 0 6px; border-radius: 8px;
  color: var(--suspend); background: var(--suspend-bg); border: 1px solid var(--suspend);
  font-size: 12px; font-weight: 600;
}
.none { color: var(--muted); }
.card h3 { margin-top: 0; }
ul.short { padding-left: 18px; }
.window { color: var(--muted); font-size: 12px; margin: 1px 0 8px; }
.warning {
  background: var(--warn-bg); border: 1px solid #e9c46a; border-left: 5px solid var(--warn);
  border-radius: 4px; padding: 6px 10px; margin: 6px 0;
}
.warning code { font-weight: 600; }
.changes dt { font-weight: 600; float: left; clear: left; width: 190px; }
.changes dd { margin: 0 0 2px 196px; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--link); }
figure { margin: 0 0 16px; }
figcaption { margin-bottom: 6px; }
.diagram {
  background: #ffffff; border: 1px solid var(--line); border-radius: 6px; padding: 8px;
  max-height: 90vh; overflow: auto; text-align: center;
}
.diagram svg { max-width: 100%; height: auto; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""
