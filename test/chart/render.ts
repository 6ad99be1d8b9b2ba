/**
 * The chart as Kubernetes would see it: rendered by the real helm (pinned by digest in scripts/helm.mjs),
 * every object checked against the Kubernetes schema with unknown fields refused, and a container's
 * environment resolved the way the kubelet does (envFrom, then env; ConfigMap and Secret references).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..', '..');
export const CHART = join(ROOT, 'charts', 'mcp-auth-server');
export const MINIMAL_VALUES = join(CHART, 'ci', 'minimal-values.yaml');
export const PRODUCTION_VALUES = join(CHART, 'ci', 'production-values.yaml');

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are free-form YAML */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string } & Record<string, any>;
} & Record<string, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

let helmPath: string | undefined;
/** The verified helm binary (installed into .cache/helm on first use). */
export function helmBinary(): string {
  helmPath ??= execFileSync(process.execPath, [join(ROOT, 'scripts', 'helm.mjs')], {
    encoding: 'utf8',
  }).trim();
  return helmPath;
}

export function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(helmBinary(), args, { encoding: 'utf8', cwd: ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `helm template` of the chart with these values files and --set pairs; throws with helm's message. */
export function renderChart(valuesFiles: string[], set: string[] = [], release = 'mcp'): K8sObject[] {
  const args = ['template', release, CHART, '--namespace', 'mcp'];
  for (const f of valuesFiles) args.push('-f', f);
  for (const s of set) args.push('--set', s);
  const run = helm(args);
  if (run.status !== 0) throw new Error(run.stderr.trim());
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
}

export const find = (objects: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} rendered`);
  return found;
};

/** Compiled JSON-schema validators shipped by kubernetes-models (ES modules, loaded by path). */
const SCHEMAS: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap.js',
  'v1/Pod': 'kubernetes-models/_schemas/IoK8sApiCoreV1Pod.js',
  'v1/Service': 'kubernetes-models/_schemas/IoK8sApiCoreV1Service.js',
  'v1/ServiceAccount': 'kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount.js',
  'apps/v1/Deployment': 'kubernetes-models/_schemas/IoK8sApiAppsV1Deployment.js',
  'batch/v1/Job': 'kubernetes-models/_schemas/IoK8sApiBatchV1Job.js',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget.js',
  'autoscaling/v2/HorizontalPodAutoscaler':
    'kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler.js',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/_schemas/IoK8sApiNetworkingV1Ingress.js',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator/_schemas/ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor.js',
};

interface SchemaError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: unknown;
}
type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
const load = createRequire(__filename);
const validators = new Map<string, Validator>();

/**
 * Schema errors of one rendered object, plus every field the schema does not know. The generated
 * validators accept unknown fields, so the object is handed to them behind a proxy that records every
 * property they read: a field the validator never looked at is one the schema does not define (maps
 * such as labels are enumerated by the validator, so their keys all count as read).
 */
export function schemaProblems(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const module = SCHEMAS[key];
  if (!module) return [`${key}: no schema known to the test (add it to SCHEMAS)`];
  let validate = validators.get(key);
  if (!validate) {
    validate = (load(join(ROOT, 'node_modules', module)) as { validate: Validator }).validate;
    validators.set(key, validate);
  }
  const read = new Set<string>();
  const watch = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value, {
      get(target, property, receiver) {
        if (typeof property === 'string') read.add(`${path}/${property}`);
        return watch(Reflect.get(target, property, receiver), `${path}/${String(property)}`);
      },
      ownKeys(target) {
        for (const k of Reflect.ownKeys(target)) read.add(`${path}/${String(k)}`);
        return Reflect.ownKeys(target);
      },
    });
  };
  const problems: string[] = [];
  if (!validate(watch(object, ''))) {
    for (const e of validate.errors ?? [])
      problems.push(`${e.instancePath || '/'} ${e.keyword} ${JSON.stringify(e.params)}`);
  }
  const unknown = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}/${k}`;
      if (!read.has(at)) problems.push(`${at}: unknown field`);
      else unknown(v, at);
    }
  };
  unknown(object, '');
  return problems.map((p) => `${object.kind} ${object.metadata.name}: ${p}`);
}

/** Secret name → key → value, standing in for the Secrets an operator creates. */
export type Secrets = Record<string, Record<string, string>>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Container = Record<string, any>;

/** The environment the kubelet would give this container: envFrom first, then env entries override. */
export function resolveEnv(
  objects: K8sObject[],
  container: Container,
  secrets: Secrets,
): Record<string, string> {
  const env: Record<string, string> = {};
  const secretValue = (name: string, key: string) => {
    const value = secrets[name]?.[key];
    if (value === undefined) throw new Error(`container ${container.name} reads Secret ${name} key ${key}`);
    return value;
  };
  const configMap = (name: string) => find(objects, 'ConfigMap', name).data as Record<string, string>;
  for (const from of (container.envFrom ?? []) as Container[]) {
    const source = from.configMapRef
      ? configMap(from.configMapRef.name as string)
      : from.secretRef
        ? secrets[from.secretRef.name as string]
        : undefined;
    if (!source) throw new Error(`container ${container.name}: unresolvable envFrom ${JSON.stringify(from)}`);
    for (const [k, v] of Object.entries(source)) env[(from.prefix ?? '') + k] = String(v);
  }
  for (const entry of (container.env ?? []) as Container[]) {
    if (entry.value !== undefined) env[entry.name] = String(entry.value);
    else if (entry.valueFrom?.secretKeyRef)
      env[entry.name] = secretValue(entry.valueFrom.secretKeyRef.name, entry.valueFrom.secretKeyRef.key);
    else if (entry.valueFrom?.configMapKeyRef)
      env[entry.name] = configMap(entry.valueFrom.configMapKeyRef.name)[entry.valueFrom.configMapKeyRef.key];
    else if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[entry.name] = 'pod-0';
    else throw new Error(`container ${container.name}: unresolvable env ${JSON.stringify(entry)}`);
  }
  return env;
}

/** The Deployment's and the migration Job's containers. */
export function containers(objects: K8sObject[]): { server: Container; migrate: Container } {
  const server = find(objects, 'Deployment').spec.template.spec.containers[0] as Container;
  const migrate = find(objects, 'Job').spec.template.spec.containers[0] as Container;
  return { server, migrate };
}

/** Working stand-ins for the Secrets the minimal and the production-like values reference. */
export function secretsFor(values: 'minimal' | 'production', databaseUrl: string): Secrets {
  const session = 'chart-test-session-secret-0123456789abcdef';
  return values === 'minimal'
    ? {
        'mcp-auth-database': { DATABASE_URL: databaseUrl },
        'mcp-auth-session': { SESSION_SECRET: session },
        'mcp-auth-github': { GITHUB_CLIENT_ID: 'gh-client', GITHUB_CLIENT_SECRET: 'gh-secret' },
      }
    : {
        'mcp-db': { url: databaseUrl },
        'mcp-session': { current: session, previous: 'chart-test-previous-secret-0123456789abcdef' },
        'mcp-github': { id: 'gh-client', secret: 'gh-secret' },
        'mcp-google': { GOOGLE_CLIENT_ID: 'google-client', GOOGLE_CLIENT_SECRET: 'google-secret' },
      };
}
