using System.Text.Encodings.Web;
using System.Text.Json;
using SystemdMatrix.Model;
using SystemdMatrix.Results;
using SystemdMatrix.Signatures;
using SystemdMatrix.Snippets;

namespace SystemdMatrix.Reporting;

/// <summary>
/// The report as one self-contained HTML page: a grid coloured by verdict (host, then daemon profile, rows of flags,
/// a column per image), filters per axis, the least-privileged booting cell of each host, profile and image marked,
/// and a detail view per cell with its verdict, signature, explanation, fixes with the cells that prove them, the
/// boot log and the snippets that reproduce it. Data and script are inline and a Content-Security-Policy forbids
/// every fetch, so the page works from a file and never touches the network.
/// </summary>
public static class HtmlReport
{
    private static readonly JsonSerializerOptions DataOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // The default encoder escapes <, > and &: the data cannot close its own script element.
        Encoder = JavaScriptEncoder.Default,
    };

    /// <summary>Renders <paramref name="report"/>; cells carrying a <see cref="CellRecord.Log"/> show it in full.</summary>
    public static string Render(CompatibilityReport report, SignatureCatalogue catalogue)
    {
        var hostOrder = Hosts.HostReleases.All.Select((r, i) => (r.Release, i)).ToDictionary(x => x.Release, x => x.i, StringComparer.Ordinal);
        var cells = report.Cells
            .OrderBy(c => c.Cell.Host.Kind)
            .ThenBy(c => hostOrder.GetValueOrDefault(c.Cell.Host.Release ?? string.Empty, int.MaxValue))
            .ThenBy(c => c.Cell.Host.CgroupMode)
            .ThenBy(c => c.Cell.Daemon.Name == "default" ? string.Empty : c.Cell.Daemon.Name, StringComparer.Ordinal)
            .ThenBy(c => LeastPrivilege.Rank(c))
            .ThenBy(c => c.Cell.Id, StringComparer.Ordinal)
            .ToList();

        var marks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in cells.GroupBy(c => (c.Cell.Host.Name, c.Cell.Daemon.Name, c.Cell.Image)))
        {
            if (LeastPrivilege.Least(group, withoutHostWrites: false) is { } any)
            {
                marks[any.Cell.Id] = "any";
            }

            if (LeastPrivilege.Least(group, withoutHostWrites: true) is { } isolated)
            {
                marks[isolated.Cell.Id] = "isolated";
            }
        }

        var snippets = new List<object>();
        var snippetIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        int? SnippetOf(CellRecord cell)
        {
            if (cell.Verdict.Kind != VerdictKind.Booted || cell.Image.Tag is null)
            {
                return null;
            }

            var s = ConfigurationSnippets.For(cell.Image.Tag, cell.Cell.Run, cell.Cell.Daemon);
            var key = string.Join('\0', s.DockerRun, s.DaemonNote);
            if (!snippetIndex.TryGetValue(key, out var index))
            {
                index = snippets.Count;
                snippetIndex[key] = index;
                snippets.Add(new
                {
                    run = s.DockerRun,
                    compose = s.Compose,
                    molecule = s.Molecule.Text,
                    moleculeWhy = s.Molecule.Unsupported,
                    testcontainers = s.Testcontainers.Text,
                    testcontainersWhy = s.Testcontainers.Unsupported,
                    daemon = s.DaemonNote,
                });
            }

            return index;
        }

        var signatures = cells.Select(c => c.Verdict.Signature).OfType<string>().Distinct(StringComparer.Ordinal)
            .Select(catalogue.Find).OfType<Signature>()
            .ToDictionary(s => s.Id, s => (object)new
            {
                title = s.Title,
                explanation = s.Explanation,
                axis = s.Axis,
                fixes = s.Fixes.Select(f =>
                {
                    var evidence = FixEvidence.Weigh(s, f, report.Cells);
                    return new { text = f.Text, why = f.Why, backing = LogExplainer.Backing(evidence), proof = evidence.Proof.Take(5).Select(p => p.Cell.Id).ToList() };
                }).ToList(),
            }, StringComparer.Ordinal);

        var data = new
        {
            matrix = report.Matrix,
            generatedAt = report.GeneratedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            missing = report.Missing.Count,
            hosts = cells.Select(c => c.Cell.Host.Name).Distinct(StringComparer.Ordinal)
                .Select(name => new { name, label = LeastPrivilege.HostLabel(cells.First(c => c.Cell.Host.Name == name)) }).ToList(),
            images = report.Images.Select(i => new { name = i.Name, systemd = i.SystemdVersion, reason = i.Reason }).ToList(),
            signatures,
            snippets,
            cells = cells.Select(c => new
            {
                id = c.Cell.Id,
                host = c.Cell.Host.Name,
                image = c.Cell.Image,
                profile = c.Cell.Daemon.Name,
                cgroupns = AxisNames.Of(c.Cell.Run.Cgroupns),
                mount = AxisNames.Of(c.Cell.Run.CgroupMount),
                privilege = AxisNames.Of(c.Cell.Run.Privilege),
                tmpfs = c.Cell.Run.Tmpfs ? "on" : "off",
                remedy = AxisNames.Of(c.Cell.Run.Remedy),
                aliases = c.Cell.Aliases.Count > 0 ? c.Cell.Aliases : null,
                verdict = AxisNames.Of(c.Verdict.Kind),
                label = c.Verdict.Label,
                summary = c.Verdict.Summary,
                signature = c.Verdict.Signature,
                message = c.Verdict.Message,
                lines = c.Verdict.DecisiveLines,
                hostWrites = c.Verdict.HostWrites.Count > 0 ? c.Verdict.HostWrites : null,
                writes = LeastPrivilege.WritesHostTree(c),
                flags = LeastPrivilege.Flags(c),
                mark = marks.GetValueOrDefault(c.Cell.Id),
                snippet = SnippetOf(c),
                log = c.Log,
            }).ToList(),
        };

        var json = JsonSerializer.Serialize(data, DataOptions);
        return Template.Replace("/*DATA*/", json, StringComparison.Ordinal).Replace("MATRIX_NAME", report.Matrix, StringComparison.Ordinal);
    }

    private const string Template = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SystemdMatrix: MATRIX_NAME</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; }
header { padding: 12px 20px; background: #24292f; color: #fff; }
header h1 { font-size: 18px; margin: 0 0 4px; }
#filters { display: flex; flex-wrap: wrap; gap: 8px 16px; padding: 10px 20px; border-bottom: 1px solid #ddd; background: #f6f8fa; position: sticky; top: 0; z-index: 2; }
#filters label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
main { display: flex; align-items: flex-start; }
#grid { flex: 1 1 60%; padding: 10px 20px; overflow-x: auto; }
#detail { flex: 0 0 40%; max-width: 40%; padding: 10px 20px; border-left: 1px solid #ddd; position: sticky; top: 60px; max-height: calc(100vh - 70px); overflow: auto; }
h2 { font-size: 16px; margin: 18px 0 6px; }
h3 { font-size: 13px; margin: 10px 0 4px; color: #555; }
table { border-collapse: collapse; margin-bottom: 8px; }
th, td { border: 1px solid #ddd; padding: 2px 6px; font-size: 12px; text-align: left; white-space: nowrap; }
th.flags { font-family: ui-monospace, monospace; font-weight: normal; }
td.cell { cursor: pointer; min-width: 90px; }
td.booted { background: #c9f2cf; } td.failed { background: #f8c8c8; } td.engine-refused { background: #f5e3b3; }
td.not-applicable { background: #eee; color: #888; } td.skipped { background: #e3e3f8; } td.infrastructure-error { background: #e9b8f0; }
td.mark-isolated { outline: 3px solid #1a7f37; outline-offset: -3px; font-weight: bold; }
td.mark-any { outline: 2px dashed #9a6700; outline-offset: -2px; }
td.selected { box-shadow: inset 0 0 0 2px #0969da; }
pre { background: #f6f8fa; padding: 6px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 6px; border: 1px solid #ccc; }
.muted { color: #666; }
</style>
</head>
<body>
<header><h1>SystemdMatrix: matrix <code>MATRIX_NAME</code></h1><div id="summary"></div></header>
<div id="filters"></div>
<main><div id="grid"></div><aside id="detail"><p class="muted">Pick a cell to see its verdict, why, the fixes and the snippets that reproduce it.</p></aside></main>
<script id="data" type="application/json">/*DATA*/</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const axes = ["host", "image", "profile", "cgroupns", "mount", "privilege", "tmpfs", "verdict"];
const filters = {};
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (v !== null && v !== undefined) e.setAttribute(k, v); }
  for (const c of children) { if (c !== null && c !== undefined) e.append(c); }
  return e;
};
const hostLabel = Object.fromEntries(data.hosts.map(h => [h.name, h.label]));
const counts = {};
for (const c of data.cells) counts[c.verdict] = (counts[c.verdict] || 0) + 1;
document.getElementById("summary").textContent =
  `${data.cells.length} cells, generated ${data.generatedAt}: ` + Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")
  + (data.missing ? `; incomplete: ${data.missing} cells not decided yet` : "");

function values(axis) { return [...new Set(data.cells.map(c => c[axis]))]; }
const filterBar = document.getElementById("filters");
for (const axis of axes) {
  const select = el("select", { "data-axis": axis, id: "filter-" + axis }, el("option", { value: "" }, "all"));
  for (const v of values(axis)) select.append(el("option", { value: v }, axis === "host" ? hostLabel[v] : v));
  select.addEventListener("change", () => { filters[axis] = select.value; render(); });
  filterBar.append(el("label", {}, axis, select));
}
filterBar.append(el("div", { class: "legend" },
  el("span", { style: "outline:3px solid #1a7f37" }, "least privilege, cannot write the host's cgroup tree"),
  el("span", { style: "outline:2px dashed #9a6700" }, "least privilege that boots at all")));

const visible = c => axes.every(a => !filters[a] || c[a] === filters[a]);
const rowKey = c => `${c.cgroupns}|${c.mount}|${c.privilege}|${c.tmpfs}|${c.remedy}`;
function rowLabel(c) {
  const parts = [`cgroupns=${c.cgroupns}`, `mount=${c.mount}`, `privilege=${c.privilege}`];
  if (c.tmpfs !== "on") parts.push("tmpfs=off");
  if (c.remedy !== "none") parts.push(`remedy=${c.remedy}`);
  return parts.join(" ");
}

function render() {
  const grid = document.getElementById("grid");
  grid.replaceChildren();
  const shown = data.cells.filter(visible);
  grid.append(el("p", { id: "shown", "data-count": shown.length }, `${shown.length} of ${data.cells.length} cells shown`));
  const byHost = new Map();
  for (const c of shown) {
    const key = c.host;
    if (!byHost.has(key)) byHost.set(key, new Map());
    const profiles = byHost.get(key);
    if (!profiles.has(c.profile)) profiles.set(c.profile, []);
    profiles.get(c.profile).push(c);
  }
  for (const [host, profiles] of byHost) {
    const section = el("section", { class: "host", "data-host": host }, el("h2", {}, hostLabel[host]));
    for (const [profile, cells] of profiles) {
      const images = data.images.map(i => i.name).filter(n => cells.some(c => c.image === n));
      const table = el("table", { "data-profile": profile });
      const head = el("tr", {}, el("th", {}, `daemon profile ${profile}`));
      for (const image of images) {
        const info = data.images.find(i => i.name === image);
        head.append(el("th", {}, `${image}${info && info.systemd ? " (systemd " + info.systemd + ")" : ""}`));
      }
      table.append(head);
      const rows = new Map();
      for (const c of cells) { if (!rows.has(rowKey(c))) rows.set(rowKey(c), []); rows.get(rowKey(c)).push(c); }
      for (const [, rowCells] of rows) {
        const tr = el("tr", {}, el("th", { class: "flags" }, rowLabel(rowCells[0])));
        for (const image of images) {
          const c = rowCells.find(x => x.image === image);
          if (!c) { tr.append(el("td", {})); continue; }
          const td = el("td", {
            class: `cell ${c.verdict}${c.mark ? " mark-" + c.mark : ""}`, "data-id": c.id, "data-verdict": c.verdict,
            "data-privilege": c.privilege, "data-mark": c.mark, title: c.summary,
          }, (c.mark === "isolated" ? "★ " : "") + (c.verdict === "failed" && c.signature ? c.signature : c.verdict));
          td.addEventListener("click", () => show(c.id));
          tr.append(td);
        }
        table.append(tr);
      }
      section.append(table);
    }
    grid.append(section);
  }
  const selected = location.hash.startsWith("#cell=") ? decodeURIComponent(location.hash.slice(6)) : null;
  if (selected) mark(selected);
}

function mark(id) {
  for (const td of document.querySelectorAll("td.selected")) td.classList.remove("selected");
  const td = document.querySelector(`td[data-id="${CSS.escape(id)}"]`);
  if (td) td.classList.add("selected");
}

function pre(text, attrs) { return el("pre", attrs || {}, text); }
function show(id) {
  const c = data.cells.find(x => x.id === id);
  if (!c) return;
  history.replaceState(null, "", "#cell=" + encodeURIComponent(id));
  mark(id);
  const d = document.getElementById("detail");
  d.replaceChildren();
  d.append(el("h2", { id: "detail-id" }, c.id));
  if (c.aliases) d.append(el("p", {}, "seed report: " + c.aliases.join(", ")));
  d.append(el("p", {}, el("strong", { id: "detail-verdict", "data-verdict": c.verdict }, c.label), " — ", c.summary));
  if (c.mark === "isolated") d.append(el("p", { id: "detail-mark" }, "★ the least-privileged configuration that boots here without being able to write the host's cgroup tree"));
  if (c.mark === "any") d.append(el("p", { id: "detail-mark" }, "the least-privileged configuration that boots here at all (it can write the host's cgroup tree)"));
  d.append(el("p", {}, `${hostLabel[c.host]} · image ${c.image} · daemon profile ${c.profile} · `, el("code", {}, c.flags)));
  if (c.writes) d.append(el("p", { class: "muted" }, "This configuration can write the host's cgroup tree outside its own."));
  if (c.hostWrites) { d.append(el("h3", {}, "What it changed in the host's cgroup tree")); d.append(pre(c.hostWrites.join("\n"))); }
  if (c.message) { d.append(el("h3", {}, "Message")); d.append(pre(c.message)); }
  const sig = c.signature && data.signatures[c.signature];
  if (sig) {
    d.append(el("h3", {}, `Signature ${c.signature}: ${sig.title}`));
    d.append(el("p", { id: "detail-explanation" }, sig.explanation));
    if (sig.axis) d.append(el("p", { class: "muted" }, "decided by: " + sig.axis));
    const ol = el("ol", { id: "detail-fixes" });
    for (const f of sig.fixes) {
      const li = el("li", {}, el("strong", {}, f.text), el("br"), f.why, el("br"), el("span", { class: "muted" }, f.backing));
      if (f.proof.length) {
        const proofs = el("div", {}, "proved by: ");
        for (const p of f.proof) { const a = el("a", { href: "#cell=" + encodeURIComponent(p) }, p); a.addEventListener("click", e => { e.preventDefault(); show(p); }); proofs.append(a, " "); }
        li.append(proofs);
      }
      ol.append(li);
    }
    d.append(ol);
  }
  if (c.lines && c.lines.length) { d.append(el("h3", {}, "Decisive lines")); d.append(pre(c.lines.join("\n"), { id: "detail-lines" })); }
  d.append(el("h3", {}, "Boot log (normalised)"));
  d.append(c.log ? pre(c.log, { id: "detail-log" }) : el("p", { class: "muted", id: "detail-log" }, "Not in the committed results: a run keeps every cell's full log in artifacts/results and its own page (artifacts/report/index.html) shows it."));
  if (c.snippet !== undefined && c.snippet !== null) {
    const s = data.snippets[c.snippet];
    d.append(el("h3", {}, "docker run"), pre(s.run, { id: "snippet-run" }));
    if (s.daemon) d.append(el("p", { class: "muted" }, "Needs " + s.daemon));
    d.append(el("h3", {}, "Compose service"), pre(s.compose, { id: "snippet-compose" }));
    d.append(el("h3", {}, "Molecule (docker driver) platform"), s.molecule ? pre(s.molecule, { id: "snippet-molecule" }) : el("p", { class: "muted" }, s.moleculeWhy));
    d.append(el("h3", {}, "Testcontainers for .NET"), s.testcontainers ? pre(s.testcontainers, { id: "snippet-testcontainers" }) : el("p", { class: "muted" }, s.testcontainersWhy));
  }
}

render();
if (location.hash.startsWith("#cell=")) show(decodeURIComponent(location.hash.slice(6)));
</script>
</body>
</html>
""";
}
