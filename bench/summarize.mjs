// Summarizes one bench/run.sh results file: medians per scenario and server,
// and ferry / peer ratios (how many times better ferry is: above 1 means
// ferry wins). Prints the tables, writes them as Markdown, and with --plots
// draws one PNG per scenario with gnuplot.
// Usage: node summarize.mjs RESULTS.jsonl [OUT.md] [--plots DIR]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const argv = process.argv.slice(2);
let plotDir = null;
const plotAt = argv.indexOf("--plots");
if (plotAt >= 0) {
  plotDir = argv[plotAt + 1];
  argv.splice(plotAt, 2);
}
const [file, out] = argv;
const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const worst = (xs) => (xs.length ? Math.max(...xs) : NaN);

// Runs of one scenario grouped by server; the append scenario by policy.
const keyOf = (r) => (r.scenario === "append" ? r.result.policy : r.server);
const group = new Map();
for (const r of rows) {
  const key = `${r.scenario}\t${keyOf(r)}`;
  if (!group.has(key)) group.set(key, []);
  group.get(key).push(r.result);
}
const runs = (scenario, server) => group.get(`${scenario}\t${server}`) ?? [];
const med = (scenario, server, f) => median(runs(scenario, server).map(f));
// Loss and duplicates: the worst run, so that one bad run is never hidden by a median.
const bad = (scenario, server, f) => worst(runs(scenario, server).map(f));
const servers = (scenario) => [...new Set(rows.filter((r) => r.scenario === scenario).map(keyOf))];

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–");
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const ms = (us) => us / 1e3;

// Which ferry a peer is compared with: the ferry of the same protocol.
const baseOf = (scenario, s, list) => {
  if (scenario === "recovery") {
    const proto = runs(scenario, s)[0]?.proto;
    return list.find((b) => b.startsWith("ferry") && runs(scenario, b)[0]?.proto === proto);
  }
  return list.find((b) => b.startsWith("ferry"));
};

// Deliveries/s, CPU per delivery, latency: scenario 1 and scenario 6 (SSE).
const fanoutRow = (scenario) => (s, base) => {
  const rate = med(scenario, s, (r) => r.deliveries_per_s);
  const cpu = med(scenario, s, (r) => r.cpu_us_per_delivery);
  return [s, fmt(rate), fmt(cpu, 3), fmt(ms(med(scenario, s, (r) => r.latency_us.p50)), 1),
    fmt(ms(med(scenario, s, (r) => r.latency_us.p99)), 1), fmt(bad(scenario, s, (r) => r.lost)),
    fmt(bad(scenario, s, (r) => r.duplicates)), String(runs(scenario, s).length),
    !base || s === base ? "" : ratio(med(scenario, base, (r) => r.deliveries_per_s) / rate),
    !base || s === base ? "" : ratio(cpu / med(scenario, base, (r) => r.cpu_us_per_delivery))];
};
const fanoutCols = ["server", "deliveries/s", "CPU-µs/delivery", "p50 ms", "p99 ms", "lost", "dup", "runs",
  "ferry ÷ it (rate)", "it ÷ ferry (CPU)"];

const scenarioDefs = {
  fanout: {
    title: "Scenario 1 — fan-out (subscribers × messages, as fast as possible)",
    cols: fanoutCols,
    row: fanoutRow("fanout"),
  },
  latency: {
    title: "Scenario 2 — latency (the same room at a fixed publish rate)",
    cols: ["server", "msgs/s sent", "run s", "deliveries/s", "p50 ms", "p99 ms", "max ms", "lost", "dup", "runs",
      "it ÷ ferry (p99)"],
    row: (s, base) => {
      const p99 = med("latency", s, (r) => r.latency_us.p99);
      const sent = runs("latency", s)[0]?.messages / Math.max(1e-9, med("latency", s, (r) => r.publish_s));
      return [s, fmt(sent), fmt(med("latency", s, (r) => r.duration_s), 1), fmt(med("latency", s, (r) => r.deliveries_per_s)),
        fmt(ms(med("latency", s, (r) => r.latency_us.p50)), 2), fmt(ms(p99), 2),
        fmt(ms(med("latency", s, (r) => r.latency_us.max)), 1), fmt(bad("latency", s, (r) => r.lost)),
        fmt(bad("latency", s, (r) => r.duplicates)), String(runs("latency", s).length),
        !base || s === base ? "" : ratio(p99 / med("latency", base, (r) => r.latency_us.p99))];
    },
  },
  idle: {
    title: "Scenario 3 — idle capacity",
    cols: ["server", "connected", "connects/s", "KiB/connection", "runs", "ferry ÷ it (connect rate)", "it ÷ ferry (memory)"],
    row: (s, base) => {
      const rate = med("idle", s, (r) => r.connect_rate);
      const kib = med("idle", s, (r) => r.kib_per_connection);
      return [s, `${fmt(med("idle", s, (r) => r.connected))}/${fmt(med("idle", s, (r) => r.clients))}`, fmt(rate),
        fmt(kib, 2), String(runs("idle", s).length),
        !base || s === base ? "" : ratio(med("idle", base, (r) => r.connect_rate) / rate),
        !base || s === base ? "" : ratio(kib / med("idle", base, (r) => r.kib_per_connection))];
    },
  },
  recovery: {
    title: "Scenario 4 — recovery (clients cut by a TCP reset, messages published meanwhile, all reconnect)",
    cols: ["server", "proto", "complete", "recovery s", "reconnect s", "lost", "dup", "sessions recovered", "runs",
      "it ÷ ferry (time)"],
    row: (s, base) => {
      const t = med("recovery", s, (r) => r.recovery_s);
      const first = runs("recovery", s)[0] ?? {};
      const complete = Math.min(...runs("recovery", s).map((r) => r.complete));
      return [s, first.proto ?? "?", `${fmt(complete)}/${fmt(first.clients)}`, fmt(t, 3),
        fmt(med("recovery", s, (r) => r.reconnect_s), 3), fmt(bad("recovery", s, (r) => r.lost)),
        fmt(bad("recovery", s, (r) => r.duplicates)),
        first.proto === "sio" ? fmt(Math.min(...runs("recovery", s).map((r) => r.recovered_sessions))) : "n/a",
        String(runs("recovery", s).length),
        !base || s === base ? "" : ratio(t / med("recovery", base, (r) => r.recovery_s))];
    },
  },
  append: {
    title: "Scenario 5 — durable append (ferry's event store; no peer has an equivalent, so no ratio)",
    cols: ["policy", "events/s", "in flight", "payload B", "runs", "target"],
    row: (p) => {
      const rate = med("append", p, (r) => r.events_per_s);
      const first = runs("append", p)[0] ?? {};
      const target = p === "sqlite-batch" ? (rate >= 200000 ? "≥ 200,000: met" : "≥ 200,000: missed") : "";
      return [p, fmt(rate), fmt(first.in_flight), fmt(first.payload_bytes), String(runs("append", p).length), target];
    },
  },
  sse: {
    title: "Scenario 6 — SSE fan-out (ferry daemon's /events against Nchan's EventSource)",
    cols: fanoutCols,
    row: fanoutRow("sse"),
  },
};

const tables = [];
for (const [scenario, def] of Object.entries(scenarioDefs)) {
  const list = servers(scenario);
  if (!list.length) continue;
  tables.push({ scenario, title: def.title, cols: def.cols, rows: list.map((s) => def.row(s, baseOf(scenario, s, list))) });
}

const text = (t) => {
  const widths = t.cols.map((c, i) => Math.max(c.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [t.title, line(t.cols), ...t.rows.map(line)].join("\n");
};
const md = (t) =>
  [`### ${t.title}`, "", `| ${t.cols.join(" | ")} |`, `|${t.cols.map((_, i) => (i ? "---:" : "---")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.join(" | ")} |`), "", ...(plotDir ? [`![${t.scenario}](${t.scenario}.png)`, ""] : [])].join("\n");

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}`;
console.log(`\n${tables.map(text).join("\n\n")}\n`);
if (out) {
  writeFileSync(out, [`# Latest benchmark (${rows[0]?.time ?? "?"})`, "", `Machine: ${machine}.`,
    "Medians of the runs (lost and dup: the worst run); ratios are how many times better ferry is (above 1: ferry wins).", "",
    ...tables.map(md)].join("\n"));
}

// ---------------------------------------------------------------------------
// Plots: one PNG per scenario, gnuplot bars of the medians.

// A gnuplot datablock of "label value..." lines.
const block = (name, lines) => `$${name} << EOD\n${lines.map((l) => l.join(" ")).join("\n")}\nEOD\n`;
const num = (x) => (Number.isFinite(x) ? String(x) : "NaN");
const label = (s) => `"${s}"`;

// One bar per server, its value printed above it; `low` > 0: a log scale from there.
const barPanel = (name, title, ylabel, list, values, digits, low = 0) =>
  `${block(name, list.map((s, i) => [label(s), num(values[i])]))}` +
  `set title "${title}"\nset ylabel "${ylabel}"\n` +
  (low > 0 ? `set logscale y\nset yrange [${low}:*]\n` : `set yrange [0:*]\n`) +
  `set offsets 0, 0, graph 0.12, 0\n` +
  `plot $${name} using 2:xtic(1) notitle lc rgb "#4477aa", ` +
  `'' using 0:2:(sprintf("%.${digits}f", $2)) with labels offset 0,0.8 notitle\n`;

const header = (scenario, width, height) =>
  `set terminal pngcairo size ${width},${height} font "sans,10" noenhanced\n` +
  `set output "${path.join(plotDir ?? ".", `${scenario}.png`)}"\n` +
  `set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n` +
  `set boxwidth 0.8\nset grid ytics\nset key top left\nset xtics nomirror\nset format y "%.1s%c"\n`;

const subtitle = `${rows[0]?.time ?? ""}, ${os.cpus().length} cores`;
const plots = {
  fanout: (list) => twoPanels("fanout", "Scenario 1: fan-out", list, "fanout"),
  sse: (list) => twoPanels("sse", "Scenario 6: SSE fan-out", list, "sse"),
  latency: (list) => {
    const get = (f) => list.map((s) => ms(med("latency", s, f)));
    const p50 = get((r) => r.latency_us.p50), p99 = get((r) => r.latency_us.p99), max = get((r) => r.latency_us.max);
    return header("latency", 900, 480) +
      block("d", list.map((s, i) => [label(s), num(p50[i]), num(p99[i]), num(max[i])])) +
      `set title "Scenario 2: end-to-end latency, ${runs("latency", list[0])[0]?.clients ?? "?"} subscribers, ` +
      `${fmt(med("latency", list[0], (r) => r.published / r.publish_s))} messages/s (${subtitle})"\n` +
      `set ylabel "ms (log scale)"\nset logscale y\nset format y "%g"\nset offsets 0, 0, graph 0.1, 0\n` +
      `plot $d using 2:xtic(1) title "p50" lc rgb "#88ccee", '' using 3 title "p99" lc rgb "#4477aa", ` +
      `'' using 4 title "max" lc rgb "#332288", ` +
      `'' using ($0-0.27):2:(sprintf("%.1f",$2)) with labels offset 0,0.7 notitle, ` +
      `'' using 0:3:(sprintf("%.1f",$3)) with labels offset 0,0.7 notitle, ` +
      `'' using ($0+0.27):4:(sprintf("%.0f",$4)) with labels offset 0,0.7 notitle\n`;
  },
  idle: (list) =>
    header("idle", 1000, 420) + `set multiplot layout 1,2 title "Scenario 3: idle capacity, ${runs("idle", list[0])[0]?.clients ?? "?"} connections (${subtitle})"\n` +
    barPanel("kib", "server memory per connection", "KiB", list, list.map((s) => med("idle", s, (r) => r.kib_per_connection)), 2) +
    barPanel("rate", "connect rate", "connections/s", list, list.map((s) => med("idle", s, (r) => r.connect_rate)), 0) +
    "unset multiplot\n",
  recovery: (list) =>
    header("recovery", 900, 480) + `set format y "%g"\nset bmargin 5\n` +
    barPanel("rec", `Scenario 4: recovery of ${runs("recovery", list[0])[0]?.clients ?? "?"} clients cut during ` +
      `${runs("recovery", list[0])[0]?.messages ?? "?"} messages (${subtitle})`,
      "seconds until every client has every message", list.map((s) => `${s}\\n(${runs("recovery", s)[0]?.proto}, lost ${fmt(bad("recovery", s, (r) => r.lost))}, dup ${fmt(bad("recovery", s, (r) => r.duplicates))})`),
      list.map((s) => med("recovery", s, (r) => r.recovery_s)), 3),
  append: (list) =>
    header("append", 800, 440) +
    `set arrow from graph 0, first 200000 to graph 1, first 200000 nohead dt 2 lc rgb "#cc3311"\n` +
    `set label "target for sqlite-batch: 200,000/s" at graph 0.98, first 200000 right offset 0,0.7 tc rgb "#cc3311"\n` +
    barPanel("app", `Scenario 5: durable append, events/s per policy (${subtitle})`, "events/s (log scale)", list,
      list.map((p) => med("append", p, (r) => r.events_per_s)), 0, 10000),
};
function twoPanels(scenario, title, list, key) {
  const first = runs(key, list[0])[0] ?? {};
  return header(scenario, 1000, 420) +
    `set multiplot layout 1,2 title "${title}: ${first.clients ?? "?"} subscribers × ${first.messages ?? "?"} messages (${subtitle})"\n` +
    barPanel("rate", "deliveries/s (higher is better)", "deliveries/s", list, list.map((s) => med(key, s, (r) => r.deliveries_per_s)), 0) +
    `set format y "%g"\n` +
    barPanel("cpu", "server CPU per delivery (lower is better)", "CPU-µs", list, list.map((s) => med(key, s, (r) => r.cpu_us_per_delivery)), 2) +
    "unset multiplot\n";
}

if (plotDir) {
  const work = mkdtempSync(path.join(os.tmpdir(), "ferry-plots-"));
  try {
    for (const t of tables) {
      const script = path.join(work, `${t.scenario}.gp`);
      writeFileSync(script, plots[t.scenario](servers(t.scenario)));
      const r = spawnSync("gnuplot", [script], { encoding: "utf8" });
      if (r.error) {
        console.error(`summarize: gnuplot not found (bench/setup.sh installs gnuplot-nox): no plots`);
        break;
      }
      if (r.status !== 0) console.error(`summarize: gnuplot failed for ${t.scenario}: ${r.stderr.trim()}`);
      else console.log(`plot: ${path.join(plotDir, `${t.scenario}.png`)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
