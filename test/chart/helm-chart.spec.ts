// Checks the Helm chart with the real helm (v4.1.4, pinned by digest): `helm lint --strict` and
// `helm template` of the minimal and the production-like values, every rendered object valid against the
// Kubernetes schema with unknown fields refused, every rendered variable loading in the app's config,
// and the review's rules (whole numbers, the Job's config and labels, PDB, ingress host, extraEnv, hooks).
// The values schema (values.schema.json) is checked with ajv as helm applies it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ENVIRONMENT_VARIABLE_NAMES, loadAppConfig } from '../../apps/server/src/config-slices';
import { SERVER_NODE_FLAGS } from '../../apps/server/src/node-flags';
import {
  CHART,
  MINIMAL_VALUES,
  PRODUCTION_VALUES,
  ROOT,
  containers,
  find,
  helm,
  renderChart,
  resolveEnv,
  schemaProblems,
  secretsFor,
  type K8sObject,
} from './render';

const load = (file: string): Record<string, unknown> =>
  parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object);
const defaults = load(join(CHART, 'values.yaml'));
const operator = merge(defaults, load(MINIMAL_VALUES));
const errorsOf = (values: unknown) =>
  validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

/** A values file in a scratch folder (values files, unlike --set, make helm read numbers as floats). */
function valuesFile(values: Record<string, unknown>): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'chart-values-'));
  const path = join(dir, 'values.yaml');
  writeFileSync(path, JSON.stringify(values));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function renderFails(values: Record<string, unknown>): string {
  const file = valuesFile(values);
  try {
    renderChart([MINIMAL_VALUES, file.path]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    file.remove();
  }
  assert.fail('expected the render to fail');
}

const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('Helm chart: values schema', () => {
  it('accepts the defaults plus the minimal and the production-like values', () => {
    assert.deepEqual(errorsOf(operator), []);
    assert.deepEqual(errorsOf(merge(defaults, load(PRODUCTION_VALUES))), []);
  });

  it('refuses an install that sets no public URL or secrets, naming them', () => {
    const errors = errorsOf(defaults).join('\n');
    assert.match(errors, /\/config\/publicUrl must match pattern/);
    assert.match(errors, /\/secrets\/database\/existingSecret must NOT have fewer than 1 characters/);
    assert.match(errors, /\/secrets\/session\/existingSecret must NOT have fewer than 1 characters/);
  });

  it('refuses wrong types, an http public URL, bad product settings and unknown keys (typos)', () => {
    assert.notDeepEqual(errorsOf(merge(operator, { replicaCount: 'two' })), []);
    assert.match(
      errorsOf(merge(operator, { config: { publicUrl: 'http://mcp.example.com' } })).join(),
      /publicUrl/,
    );
    assert.match(errorsOf(merge(operator, { replicas: 3 })).join(), /must NOT have additional properties/);
    assert.match(
      errorsOf(merge(operator, { config: { adminEmails: 'not an email' } })).join(),
      /adminEmails/,
    );
    assert.match(
      errorsOf(merge(operator, { config: { auditRetentionDays: -1 } })).join(),
      /auditRetentionDays/,
    );
    assert.match(errorsOf(merge(operator, { config: { extraEnv: { 'bad-name': 'x' } } })).join(), /extraEnv/);
    // Branding values go into a style block and an img src: the schema refuses anything but the safe forms.
    assert.notDeepEqual(
      errorsOf(merge(operator, { config: { primaryColor: 'red;}body{display:none' } })),
      [],
    );
    assert.notDeepEqual(
      errorsOf(merge(operator, { config: { productLogoUrl: 'http://x.example/logo.png' } })),
      [],
    );
  });

  it('keeps secret values out of values.yaml', () => {
    const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    assert.doesNotMatch(text, /^\s*(password|clientSecret|sessionSecret|databaseUrl)\s*:\s*\S/im);
    assert.doesNotMatch(text, /postgres(ql)?:\/\/\S+:\S+@/);
  });
});

describe('Helm chart: the real helm', () => {
  for (const [name, file] of [
    ['minimal', MINIMAL_VALUES],
    ['production-like', PRODUCTION_VALUES],
  ] as const) {
    it(`helm lint --strict passes with the ${name} values`, () => {
      const run = helm(['lint', '--strict', CHART, '-f', file]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it(`every object rendered with the ${name} values is valid Kubernetes, no unknown field`, () => {
      const objects = renderChart([file]);
      const kinds = objects.map((o) => o.kind).sort();
      const expected =
        name === 'minimal'
          ? ['ConfigMap', 'Deployment', 'Job', 'PodDisruptionBudget', 'Service', 'ServiceAccount']
          : [
              'ConfigMap',
              'Deployment',
              'HorizontalPodAutoscaler',
              'Ingress',
              'Job',
              'PodDisruptionBudget',
              'Service',
              'ServiceAccount',
              'ServiceMonitor',
            ];
      assert.deepEqual(kinds, expected);
      assert.deepEqual(objects.flatMap(schemaProblems), []);
    });

    it(`the ${name} values give both containers an environment the app loads in production`, () => {
      const objects = renderChart([file]);
      const secrets = secretsFor(name === 'minimal' ? 'minimal' : 'production', 'postgres://u:p@db:5432/mcp');
      const { server, migrate } = containers(objects);
      const serverEnv = resolveEnv(objects, server, secrets);
      const migrateEnv = resolveEnv(objects, migrate, secrets);
      // The hook Job runs before the ConfigMap exists: it carries the same variables inline.
      assert.deepEqual(migrateEnv, serverEnv);
      const known = new Set<string>(ENVIRONMENT_VARIABLE_NAMES);
      assert.deepEqual(
        Object.keys(serverEnv).filter((n) => !known.has(n)),
        [],
      );
      const config = loadAppConfig(serverEnv);
      assert.equal(config.isProduction, true);
      assert.equal(config.publicUrl, 'https://mcp.example.com');
      assert.equal(config.database.migrateOnStart, false);
      assert.equal(config.sessionSecretIsEphemeral, false);
      assert.ok(config.providers.github);
    });
  }

  it('the schema check itself refuses an unknown field, a wrong type and a missing required field', () => {
    const deployment = structuredClone(find(renderChart([MINIMAL_VALUES]), 'Deployment'));
    deployment.spec.template.spec.containers[0].envFrom[0].configMapref = { name: 'typo' };
    deployment.spec.replicas = '2';
    delete deployment.spec.selector;
    const problems = schemaProblems(deployment).join('\n');
    assert.match(problems, /\/spec\/template\/spec\/containers\/0\/envFrom\/0\/configMapref: unknown field/);
    assert.match(problems, /\/spec\/replicas type/);
    assert.match(problems, /required \{"missingProperty":"selector"\}/);
  });

  it('renders every number as a whole number, even from floats of a values file (2.592e+06)', () => {
    const objects = renderChart([PRODUCTION_VALUES]);
    const data = find(objects, 'ConfigMap').data as Record<string, string>;
    assert.equal(data.REFRESH_TOKEN_TTL, '7776000');
    assert.equal(data.LOGIN_SESSION_TTL, '1209600');
    const big = valuesFile({ config: { refreshTokenTtl: 31536000, loginSessionTtl: 2592000 } });
    try {
      const max = find(renderChart([MINIMAL_VALUES, big.path]), 'ConfigMap').data as Record<string, string>;
      assert.equal(max.REFRESH_TOKEN_TTL, '31536000');
      assert.equal(max.LOGIN_SESSION_TTL, '2592000');
    } finally {
      big.remove();
    }
    for (const [k, v] of Object.entries(data)) assert.doesNotMatch(v, /^\d+(\.\d+)?e[+-]?\d+$/, k);
    const config = loadAppConfig({
      ...data,
      DATABASE_URL: 'postgres://u:p@db/mcp',
      SESSION_SECRET: 'x'.repeat(40),
      GITHUB_CLIENT_ID: 'a',
      GITHUB_CLIENT_SECRET: 'b',
    });
    assert.equal(config.tokens.refreshTokenTtl, 7776000);
    assert.equal(config.auditRetentionDays, 400);
    assert.deepEqual(config.adminEmails, ['ops@example.com', 'alice@example.com']);
    assert.deepEqual(config.allowedEmailDomains, ['example.com', 'example.org']);
    assert.equal(config.trustProxy, 2);
    assert.equal(config.logLevel, 'warn');
  });

  it("keeps the migration Job's pod out of the Deployment's selector (Service, PDB, HPA)", () => {
    const objects = renderChart([PRODUCTION_VALUES]);
    const jobLabels = find(objects, 'Job').spec.template.metadata.labels as Record<string, string>;
    for (const selector of [
      find(objects, 'Deployment').spec.selector.matchLabels,
      find(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
      find(objects, 'Service').spec.selector,
    ] as Record<string, string>[]) {
      assert.equal(labelsMatch(selector, jobLabels), false, JSON.stringify({ selector, jobLabels }));
    }
    const podLabels = find(objects, 'Deployment').spec.template.metadata.labels as Record<string, string>;
    assert.ok(labelsMatch(find(objects, 'Deployment').spec.selector.matchLabels, podLabels));
  });

  it("runs the app's migration runner in the Job, under the chart's service account, within helm's timeout", () => {
    const objects = renderChart([MINIMAL_VALUES]);
    const job = find(objects, 'Job');
    const account = find(objects, 'ServiceAccount');
    assert.deepEqual(job.spec.template.spec.containers[0].command, [
      'node',
      'dist/apps/server/src/migrate.js',
    ]);
    assert.ok(existsSync(join(ROOT, 'dist/apps/server/src/migrate.js')));
    assert.equal(job.spec.template.spec.serviceAccountName, account.metadata.name);
    // The account must exist before the pre-install hook: it is a hook of a lower weight.
    const hook = (o: K8sObject) => o.metadata.annotations as Record<string, string>;
    assert.equal(hook(account)['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.equal(hook(job)['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.ok(Number(hook(account)['helm.sh/hook-weight']) < Number(hook(job)['helm.sh/hook-weight']));
    // helm waits for hooks at most --timeout, 300 s by default.
    assert.ok(job.spec.activeDeadlineSeconds < 300, String(job.spec.activeDeadlineSeconds));
  });

  it("starts the server with the image's command and the V8 flags, and matches grace period to drain", () => {
    const objects = renderChart([MINIMAL_VALUES]);
    const pod = find(objects, 'Deployment').spec.template.spec;
    assert.deepEqual(pod.containers[0].command, [
      'node',
      ...SERVER_NODE_FLAGS,
      'dist/apps/server/src/main.js',
    ]);
    const data = find(objects, 'ConfigMap').data as Record<string, string>;
    const preStop = Number(pod.containers[0].lifecycle.preStop.exec.command[1]);
    assert.equal(pod.terminationGracePeriodSeconds, preStop + Number(data.SHUTDOWN_TIMEOUT) + 5);
  });

  it('rolls the pods when the configuration changes (checksum annotations)', () => {
    const annotations = (set: string[]) =>
      find(renderChart([MINIMAL_VALUES], set), 'Deployment').spec.template.metadata.annotations as Record<
        string,
        string
      >;
    const before = annotations([]);
    assert.match(before['checksum/config'], /^[0-9a-f]{64}$/);
    assert.match(before['checksum/secrets'], /^[0-9a-f]{64}$/);
    assert.notEqual(annotations(['config.logLevel=debug'])['checksum/config'], before['checksum/config']);
  });

  it('renders no PodDisruptionBudget for a single replica (it would block node drains)', () => {
    const kinds = (set: string[]) => renderChart([MINIMAL_VALUES], set).map((o) => o.kind);
    assert.ok(!kinds(['replicaCount=1']).includes('PodDisruptionBudget'));
    assert.ok(
      !kinds(['autoscaling.enabled=true', 'autoscaling.minReplicas=1']).includes('PodDisruptionBudget'),
    );
    const pdb = find(renderChart([MINIMAL_VALUES], ['replicaCount=3']), 'PodDisruptionBudget');
    assert.equal(pdb.spec.maxUnavailable, 1);
  });

  it('takes the ingress host from publicUrl, and refuses another one', () => {
    const ingress = find(renderChart([MINIMAL_VALUES], ['ingress.enabled=true']), 'Ingress');
    assert.equal(ingress.spec.rules[0].host, 'mcp.example.com');
    assert.deepEqual(ingress.spec.tls[0].hosts, ['mcp.example.com']);
    assert.match(
      renderFails({ ingress: { enabled: true, host: 'other.example.com' } }),
      /ingress.host "other.example.com" differs from the host of config.publicUrl \("mcp.example.com"\)/,
    );
  });

  it('refuses an extraEnv entry that repeats a variable the chart sets', () => {
    assert.match(
      renderFails({ config: { extraEnv: { REFRESH_TOKEN_TTL: '600' } } }),
      /config.extraEnv.REFRESH_TOKEN_TTL: the chart sets REFRESH_TOKEN_TTL itself/,
    );
    assert.match(
      renderFails({ config: { extraEnv: { SESSION_SECRET: 'x'.repeat(40) } } }),
      /config.extraEnv.SESSION_SECRET: the chart sets SESSION_SECRET itself/,
    );
    const ok = find(
      renderChart([MINIMAL_VALUES], ['config.extraEnv.GITHUB_API_URL=https://ghe.example.com/api/v3']),
      'ConfigMap',
    );
    assert.equal((ok.data as Record<string, string>).GITHUB_API_URL, 'https://ghe.example.com/api/v3');
  });

  it("the runbook's one-off revert pod is a valid Pod reading what the chart renders", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const overrides = /--overrides='(\{[\s\S]*?\})'\n/.exec(doc);
    assert.ok(overrides, 'docs/operations.md has the kubectl run --overrides example');
    const spec = JSON.parse(overrides[1].replace(`"'"$IMAGE"'"`, '"registry.example.com/mcp:1"')) as {
      spec: Record<string, unknown>;
    };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mcp-migrate-revert' }, ...spec };
    assert.deepEqual(schemaProblems(pod as K8sObject), []);
    const objects = renderChart([MINIMAL_VALUES]);
    const container = (spec.spec.containers as Record<string, unknown>[])[0];
    assert.deepEqual(container.command, ['node', 'dist/apps/server/src/migrate.js', '--revert']);
    const env = resolveEnv(objects, container, secretsFor('minimal', 'postgres://u:p@db:5432/mcp'));
    assert.equal(loadAppConfig(env).isProduction, true);
    assert.equal(env.DATABASE_URL, 'postgres://u:p@db:5432/mcp');
  });

  it('refuses an install without any sign-in provider', () => {
    assert.match(renderFails({ secrets: { github: { existingSecret: '' } } }), /no sign-in provider/);
  });
});
