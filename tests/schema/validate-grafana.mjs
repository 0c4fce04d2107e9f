// Validates Grafana dashboards (JSON files) against Grafana's own schema: the types that
// @grafana/schema generates from the CUE kinds Grafana itself is built from (the dashboard,
// its panels and variables, the time series, stat and heatmap panels' options and field
// config), and the Prometheus query type of Grafana's foundation SDK. Grafana is not packaged
// in Debian, so this is the check short of a running Grafana.
//
// Each dashboard becomes a TypeScript module that assigns the JSON, as object literals, to
// those types; the TypeScript compiler then refuses any missing required field, wrong type,
// unknown enum value or unknown field (object literals get excess-property checks). Enums are
// compared by their values, as Grafana reads them from JSON.
//
// Usage: node validate-grafana.mjs FILE...         exit 0 when every dashboard is valid
//        node validate-grafana.mjs --self-test     shows that broken dashboards are caught
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));

const prelude = `
import type * as schema from "@grafana/schema";
import type * as timeseries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import type * as stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as heatmap from "@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen";
import type * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
// A type as JSON spells it: string enums by their values, numeric enums by their numbers.
type Json<T> = T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T
  : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
type PromQuery = Omit<prometheus.Dataquery, "_implementsDataqueryVariant">;
`;

const panelTypes = {
  timeseries: { options: "timeseries.Options", custom: "timeseries.FieldConfig" },
  stat: { options: "stat.Options", custom: null },
  heatmap: { options: "heatmap.Options", custom: "heatmap.FieldConfig" },
};

function literal(value) {
  return JSON.stringify(value, null, 1);
}

// The module for one dashboard, and the problems found before type checking.
function moduleFor(dashboard, file) {
  const problems = [];
  let text = prelude + `export const dashboard: Json<schema.Dashboard> = ${literal(dashboard)};\n`;
  (dashboard.panels ?? []).forEach((panel, i) => {
    const name = `panel_${i}`;
    if (panel.type === "row") {
      text += `export const ${name}: Json<schema.RowPanel> = ${literal(panel)};\n`;
      return;
    }
    const types = panelTypes[panel.type];
    if (!types) {
      problems.push(`${file}: panels[${i}]: no schema here for panel type ${panel.type}`);
      return;
    }
    text += `export const ${name}: Json<schema.Panel> = ${literal(panel)};\n`;
    text += `export const ${name}_options: Json<${types.options}> = ${literal(panel.options ?? {})};\n`;
    const custom = panel.fieldConfig?.defaults?.custom;
    if (custom !== undefined) {
      if (!types.custom) problems.push(`${file}: panels[${i}]: ${panel.type} has no custom field config`);
      else text += `export const ${name}_custom: Json<${types.custom}> = ${literal(custom)};\n`;
    }
    (panel.targets ?? []).forEach((target, j) => {
      text += `export const ${name}_target_${j}: Json<PromQuery> = ${literal(target)};\n`;
    });
  });
  return { text, problems };
}

// Type-checks the modules (name -> text) in one program; returns the diagnostics as text.
function typeCheck(modules) {
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const virtual = new Map([...modules].map(([name, text]) => [join(here, name), text]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (path, version, ...rest) =>
    virtual.has(path) ? ts.createSourceFile(path, virtual.get(path), version) : getSourceFile(path, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (path) => virtual.has(path) || fileExists(path);
  const readFile = host.readFile.bind(host);
  host.readFile = (path) => virtual.get(path) ?? readFile(path);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    if (!d.file) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const source = d.file.text.split("\n")[line].trim().slice(0, 160);
    return `${d.file.fileName.replace(here + "/", "")}:${line + 1}: ${message}\n  at: ${source}`;
  });
}

export function validateDashboards(entries) {
  const modules = new Map();
  const problems = [];
  entries.forEach(([file, dashboard], i) => {
    const { text, problems: found } = moduleFor(dashboard, file);
    problems.push(...found);
    modules.set(`__dashboard_${i}.ts`, `// ${file}\n${text}`);
  });
  problems.push(...typeCheck(modules));
  return problems;
}

function selfTest(sample) {
  const cases = [
    ["an unknown dashboard field", (d) => { d.refreshInterval = "1m"; }],
    ["a schemaVersion as text", (d) => { d.schemaVersion = "39"; }],
    ["an unknown legend mode", (d) => { firstOf(d, "timeseries").options.legend.displayMode = "grid"; }],
    ["a stat option from another panel", (d) => { firstOf(d, "stat").options.legend = {}; }],
    ["a heatmap with stat options", (d) => { firstOf(d, "heatmap").options.reduceOptions = {}; }],
    ["a heatmap without its color scheme", (d) => { delete firstOf(d, "heatmap").options.color; }],
    ["a target without expr", (d) => { delete firstOf(d, "timeseries").targets[0].expr; }],
    ["a gridPos as text", (d) => { firstOf(d, "timeseries").gridPos.w = "12"; }],
    ["a misspelt threshold style", (d) => {
      const p = d.panels.find((x) => x.fieldConfig?.defaults?.custom);
      p.fieldConfig.defaults.custom.thresholdsStyle.mode = "lines";
    }],
  ];
  let accepted = 0;
  for (const [what, breakIt] of cases) {
    const copy = structuredClone(sample);
    breakIt(copy);
    if (validateDashboards([[what, copy]]).length === 0) {
      console.error(`self-test: ${what} was accepted`);
      accepted++;
    }
  }
  return accepted;
}

function firstOf(dashboard, type) {
  return dashboard.panels.find((p) => p.type === type);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const args = process.argv.slice(2);
  const selfTesting = args[0] === "--self-test";
  const files = selfTesting ? args.slice(1) : args;
  const entries = files.map((f) => [f, JSON.parse(readFileSync(f, "utf8"))]);
  if (selfTesting) {
    const accepted = entries.length ? selfTest(entries[0][1]) : 1;
    console.log(accepted ? `self-test: ${accepted} broken dashboards accepted` : "self-test: every broken dashboard refused");
    process.exit(accepted ? 1 : 0);
  }
  const problems = validateDashboards(entries);
  for (const p of problems) console.error(p);
  console.log(`${files.length} dashboards: ${problems.length ? `${problems.length} problems` : "valid"}`);
  process.exit(problems.length || files.length === 0 ? 1 : 0);
}
