// Summarizes one bench/run.sh results file: medians per scenario and server,
// and ferry / peer ratios (how many times better ferry is: above 1 means
// ferry wins). Prints the table and writes it as Markdown.
// Usage: node summarize.mjs RESULTS.jsonl [OUT.md]
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

const [file, out] = process.argv.slice(2);
const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const group = new Map();
for (const r of rows) {
  const key = `${r.scenario}\t${r.server}`;
  if (!group.has(key)) group.set(key, []);
  group.get(key).push(r.result);
}
const med = (scenario, server, f) => median((group.get(`${scenario}\t${server}`) ?? []).map(f));
const servers = (scenario) => [...new Set(rows.filter((r) => r.scenario === scenario).map((r) => r.server))];

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–");
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");

const tables = [];
const scenarioDefs = {
  fanout: {
    title: "Scenario 1 — fan-out (subscribers × messages, as fast as possible)",
    cols: ["server", "deliveries/s", "CPU-µs/delivery", "p50 ms", "p99 ms", "lost", "dup", "runs", "ferry ÷ it (rate)", "it ÷ ferry (CPU)"],
    row: (s, base) => {
      const rate = med("fanout", s, (r) => r.deliveries_per_s);
      const cpu = med("fanout", s, (r) => r.cpu_us_per_delivery);
      const n = (group.get(`fanout\t${s}`) ?? []).length;
      return [s, fmt(rate), fmt(cpu, 3), fmt(med("fanout", s, (r) => r.latency_us.p50) / 1e3, 1),
        fmt(med("fanout", s, (r) => r.latency_us.p99) / 1e3, 1), fmt(med("fanout", s, (r) => r.lost)),
        fmt(med("fanout", s, (r) => r.duplicates)), String(n),
        s === base ? "" : ratio(med("fanout", base, (r) => r.deliveries_per_s) / rate),
        s === base ? "" : ratio(cpu / med("fanout", base, (r) => r.cpu_us_per_delivery))];
    },
  },
  idle: {
    title: "Scenario 3 — idle capacity",
    cols: ["server", "connected", "connects/s", "KiB/connection", "runs", "ferry ÷ it (connect rate)", "it ÷ ferry (memory)"],
    row: (s, base) => {
      const rate = med("idle", s, (r) => r.connect_rate);
      const kib = med("idle", s, (r) => r.kib_per_connection);
      const n = (group.get(`idle\t${s}`) ?? []).length;
      return [s, `${fmt(med("idle", s, (r) => r.connected))}/${fmt(med("idle", s, (r) => r.clients))}`, fmt(rate),
        fmt(kib, 2), String(n),
        s === base ? "" : ratio(med("idle", base, (r) => r.connect_rate) / rate),
        s === base ? "" : ratio(kib / med("idle", base, (r) => r.kib_per_connection))];
    },
  },
};

for (const [scenario, def] of Object.entries(scenarioDefs)) {
  const list = servers(scenario);
  if (!list.length) continue;
  const base = list.includes("ferry") ? "ferry" : list[0];
  tables.push({ title: def.title, cols: def.cols, rows: list.map((s) => def.row(s, base)) });
}

const text = (t) => {
  const widths = t.cols.map((c, i) => Math.max(c.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [t.title, line(t.cols), ...t.rows.map(line)].join("\n");
};
const md = (t) =>
  [`### ${t.title}`, "", `| ${t.cols.join(" | ")} |`, `|${t.cols.map((_, i) => (i ? "---:" : "---")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.join(" | ")} |`), ""].join("\n");

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}`;
console.log(`\n${tables.map(text).join("\n\n")}\n`);
if (out) {
  writeFileSync(out, [`# Latest benchmark (${rows[0]?.time ?? "?"})`, "", `Machine: ${machine}.`,
    "Medians of the runs; ratios are how many times better ferry is (above 1: ferry wins).", "",
    ...tables.map(md)].join("\n"));
}
