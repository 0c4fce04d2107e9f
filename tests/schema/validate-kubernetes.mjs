// Validates Kubernetes objects (YAML files, several documents each) against the real schemas:
// prometheus-operator's CRDs (openAPIV3Schema, compiled by @kubernetes-models/prometheus-operator)
// and the Kubernetes API's OpenAPI (kubernetes-models). Like `kubectl apply` with strict field
// validation, a field the schema does not know is an error too: every object is validated
// through a proxy that records which fields the schema's validator reads, and any field it
// never read is reported (the API server would prune or refuse it).
//
// Usage: node validate-kubernetes.mjs FILE...        exit 0 when every object is valid
//        node validate-kubernetes.mjs --self-test    shows that broken objects are caught
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { AlertmanagerConfig } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig";
import { Route } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/Route";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";

const kinds = new Map([
  ["monitoring.coreos.com/v1 PrometheusRule", PrometheusRule],
  ["monitoring.coreos.com/v1 PodMonitor", PodMonitor],
  ["monitoring.coreos.com/v1alpha1 AlertmanagerConfig", AlertmanagerConfig],
  ["apps/v1 Deployment", Deployment],
  ["v1 Service", Service],
  ["v1 PersistentVolumeClaim", PersistentVolumeClaim],
  ["v1 ConfigMap", ConfigMap],
]);

// A deep proxy of `value` that adds to `read` the path of every field a validator looks at.
function traced(value, path, read) {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(`${path}/${key}`);
      return traced(Reflect.get(target, key, receiver), `${path}/${String(key)}`, read);
    },
    has(target, key) {
      if (typeof key === "string") read.add(`${path}/${key}`);
      return Reflect.has(target, key);
    },
  });
}

function unread(value, path, read, out) {
  if (value === null || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value)) {
    const at = `${path}/${key}`;
    if (!Array.isArray(value) && !read.has(at)) out.push(at);
    unread(child, at, read, out);
  }
}

// Runs the model's compiled schema validator on `data`; returns the problems found.
function check(Model, data, path) {
  const read = new Set();
  const problems = [];
  try {
    Model.prototype.validate.call(traced(data, path, read));
  } catch (e) {
    problems.push(`${path}: ${e.message}`);
  }
  const unknown = [];
  unread(data, path, read, unknown);
  for (const at of unknown) problems.push(`${at}: unknown field`);
  return problems;
}

// An AlertmanagerConfig's child routes are free-form JSON in the CRD (the operator parses them
// as routes), so each is validated as a Route of its own; `routes` is skipped by the parent.
function checkAlertmanagerConfig(object, path) {
  const problems = [];
  const visit = (route, at) =>
    (route.routes ?? []).forEach((child, i) => {
      const where = `${at}/routes/${i}`;
      const { routes, ...own } = child;
      problems.push(...check(Route, own, where));
      visit(child, where);
    });
  const copy = structuredClone(object);
  if (copy.spec?.route) {
    visit(copy.spec.route, `${path}/spec/route`);
    delete copy.spec.route.routes;
  }
  problems.push(...check(AlertmanagerConfig, copy, path));
  return problems;
}

export function validateObject(object, where) {
  const key = `${object?.apiVersion} ${object?.kind}`;
  const Model = kinds.get(key);
  if (!Model) return [`${where}: no schema for ${key}`];
  if (Model === AlertmanagerConfig) return checkAlertmanagerConfig(object, where);
  return check(Model, object, where);
}

export function validateText(text, file) {
  const problems = [];
  let count = 0;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(...doc.errors.map((e) => `${file}: ${e.message}`));
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    problems.push(...validateObject(object, `${file}#${count}(${object.kind})`));
    count++;
  }
  if (count === 0) problems.push(`${file}: no object`);
  return { count, problems };
}

function selfTest() {
  const broken = [
    ["a `for` that is no duration", {
      apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "x" },
      spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", for: "2 minutes" }] }] },
    }],
    ["an unknown rule field", {
      apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "x" },
      spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", keep_firing: "1m" }] }] },
    }],
    ["a secret given inline", {
      apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: { name: "x" },
      spec: { route: { receiver: "r" }, receivers: [{ name: "r", pagerdutyConfigs: [{ routingKey: "abc" }] }] },
    }],
    ["a child route with a bad matcher", {
      apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: { name: "x" },
      spec: { route: { receiver: "r", routes: [{ receiver: "r", matchers: [{ name: "a", value: "b", matchType: "==" }] }] },
              receivers: [{ name: "r" }] },
    }],
    ["an unknown PodMonitor field", {
      apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "x" },
      spec: { selector: {}, podMetricsEndpoints: [{ port: "http", scrapeInterval: "15s" }] },
    }],
    ["a container port as text", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
      spec: { selector: {}, template: { spec: { containers: [{ name: "c", ports: [{ containerPort: "9464" }] }] } } },
    }],
  ];
  let failed = 0;
  for (const [what, object] of broken) {
    const problems = validateObject(object, what);
    if (problems.length === 0) {
      console.error(`self-test: ${what} was accepted`);
      failed++;
    }
  }
  return failed;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const files = process.argv.slice(2);
  if (files[0] === "--self-test") {
    const failed = selfTest();
    console.log(failed ? `self-test: ${failed} broken objects accepted` : "self-test: every broken object refused");
    process.exit(failed ? 1 : 0);
  }
  let objects = 0;
  let bad = 0;
  for (const file of files) {
    const { count, problems } = validateText(readFileSync(file, "utf8"), file);
    objects += count;
    for (const p of problems) console.error(p);
    bad += problems.length;
  }
  console.log(`${objects} objects in ${files.length} files: ${bad ? `${bad} problems` : "valid"}`);
  process.exit(bad || files.length === 0 ? 1 : 0);
}
