// Checks issue #6 (Helm chart): values.yaml + an operator's minimal values validate against values.schema.json,
// wrong or missing values fail at install time, every template is well-formed YAML once template actions are
// removed, and every environment variable the chart sets is one the app's config schema knows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ENVIRONMENT_VARIABLE_NAMES } from '@app/config';

// Compiled tests run from dist/test/chart; the chart stays in the source tree.
const chart = join(__dirname, '..', '..', '..', 'charts', 'mcp-auth-server');
const load = (file: string): Record<string, unknown> =>
  parse(readFileSync(join(chart, file), 'utf8')) as Record<string, unknown>;

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
const validate = ajv.compile(JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as object);
const defaults = load('values.yaml');
const operator = merge(defaults, load('ci/test-values.yaml'));
const errorsOf = (values: unknown) =>
  validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

/** A template with its actions removed: control lines dropped, inline actions replaced by a placeholder. */
function stripTemplate(source: string): string {
  return source
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[\s\S]*?-?\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'PLACEHOLDER'))
    .join('\n');
}

describe('Helm chart', () => {
  it('accepts the defaults plus the minimal operator values', () => {
    assert.deepEqual(errorsOf(operator), []);
  });

  it('refuses an install that sets no public URL or secrets, naming them', () => {
    const errors = errorsOf(defaults).join('\n');
    assert.match(errors, /\/config\/publicUrl must match pattern/);
    assert.match(errors, /\/secrets\/database\/existingSecret must NOT have fewer than 1 characters/);
    assert.match(errors, /\/secrets\/session\/existingSecret must NOT have fewer than 1 characters/);
  });

  it('refuses wrong types, an http public URL, and unknown keys (typos)', () => {
    assert.notDeepEqual(errorsOf(merge(operator, { replicaCount: 'two' })), []);
    assert.match(
      errorsOf(merge(operator, { config: { publicUrl: 'http://mcp.example.com' } })).join(),
      /publicUrl/,
    );
    assert.match(errorsOf(merge(operator, { replicas: 3 })).join(), /must NOT have additional properties/);
    assert.notDeepEqual(errorsOf(merge(operator, { ingress: { enabled: true, host: '' } })), []);
    // Branding values go into a style block and an img src: the schema refuses anything but the safe forms.
    assert.notDeepEqual(
      errorsOf(merge(operator, { config: { primaryColor: 'red;}body{display:none' } })),
      [],
    );
    assert.notDeepEqual(
      errorsOf(merge(operator, { config: { productLogoUrl: 'http://x.example/logo.png' } })),
      [],
    );
    assert.deepEqual(
      errorsOf(merge(operator, { config: { primaryColor: '#0b57d0', supportUrl: 'mailto:it@example.com' } })),
      [],
    );
  });

  it('keeps secret values out of values.yaml', () => {
    const text = readFileSync(join(chart, 'values.yaml'), 'utf8');
    assert.doesNotMatch(text, /^\s*(password|clientSecret|sessionSecret|databaseUrl)\s*:\s*\S/im);
    assert.doesNotMatch(text, /postgres(ql)?:\/\/\S+:\S+@/);
  });

  const templates = readdirSync(join(chart, 'templates')).filter((f) => f.endsWith('.yaml'));
  for (const file of templates) {
    it(`templates/${file} is well-formed YAML with a kind`, () => {
      const doc = parse(stripTemplate(readFileSync(join(chart, 'templates', file), 'utf8'))) as Record<
        string,
        unknown
      >;
      assert.equal(typeof doc.apiVersion, 'string');
      assert.equal(typeof doc.kind, 'string');
    });
  }

  it('sets only environment variables that the app validates', () => {
    const known = new Set<string>(ENVIRONMENT_VARIABLE_NAMES);
    const sources = ['configmap.yaml', '_helpers.tpl', 'migration-job.yaml'].map((f) =>
      readFileSync(join(chart, 'templates', f), 'utf8'),
    );
    const names = new Set<string>();
    for (const s of sources) {
      for (const m of s.matchAll(/^\s*(?:- name: )?([A-Z][A-Z0-9_]+):?\s/gm)) names.add(m[1]);
    }
    assert.ok(names.size > 10, `found ${[...names].join(', ')}`);
    assert.deepEqual(
      [...names].filter((n) => !known.has(n)),
      [],
      'every variable the chart sets must be in libs/config ENVIRONMENT_VARIABLE_NAMES',
    );
  });

  it('matches the termination grace period to the preStop delay and the drain timeout', () => {
    const deployment = readFileSync(join(chart, 'templates', 'deployment.yaml'), 'utf8');
    assert.match(
      deployment,
      /terminationGracePeriodSeconds: \{\{ add \.Values\.shutdown\.preStopSeconds \.Values\.shutdown\.drainSeconds 5 \}\}/,
    );
    assert.match(
      readFileSync(join(chart, 'templates', 'configmap.yaml'), 'utf8'),
      /SHUTDOWN_TIMEOUT: \{\{ \.Values\.shutdown\.drainSeconds/,
    );
  });
});
