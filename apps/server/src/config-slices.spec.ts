// The server's whole configuration: libs/config's core slice with every library's slice
// (apps/server/src/config-slices.ts), checked variable by variable with the exact messages an operator sees.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError } from '@app/config';
import { trustedIdpIssuers } from '@app/oauth';
import { loadAppConfig as loadConfig } from './config-slices';

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.equal(c.issuer, 'http://localhost:3000');
    assert.equal(c.mcpResource, 'http://localhost:3000/mcp');
    assert.equal(c.adminResource, 'http://localhost:3000/api/admin');
    assert.equal(c.database.url, undefined);
    assert.match(c.database.dataDir, /\.data$/);
    assert.equal(c.database.migrateOnStart, true);
    assert.equal(c.tokens.accessTokenTtl, 3600);
    assert.equal(c.tokens.refreshTokenTtl, 2592000);
    assert.equal(c.tokens.refreshReuseGrace, 30);
    assert.equal(c.tokens.grantMaxLifetime, 7776000, 'GRANT_MAX_LIFETIME: 90 days');
    assert.equal(c.devLogin, true);
    assert.equal(c.trustProxy, undefined);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.sessionSecretIsEphemeral, true);
    assert.equal(c.providers.github, undefined);
    assert.equal(c.auditRetentionDays, 365);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.tokens));
  });

  it('drops a trailing slash from PUBLIC_URL so the issuer is one exact string (AS-MD-08)', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/' });
    assert.equal(c.issuer, 'https://mcp.example.com');
    assert.equal(c.mcpResource, 'https://mcp.example.com/mcp');
    assert.equal(c.secureCookies, true);
  });

  const bad: [string, string, RegExp][] = [
    ['PORT', 'abc', /^PORT must be a whole number between 0 and 65535/],
    ['PORT', '70000', /^PORT must be a whole number/],
    ['PUBLIC_URL', 'mcp.example.com', /^PUBLIC_URL must be an absolute http\(s\) URL/],
    ['PUBLIC_URL', 'https://mcp.example.com/?x=1', /^PUBLIC_URL must not contain a query or fragment/],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL must be a PostgreSQL URL/],
    ['SESSION_SECRET', 'short', /^SESSION_SECRET must be at least 32 characters/],
    ['TRUST_PROXY', 'yes please', /^TRUST_PROXY must be a hop count/],
    ['ACCESS_TOKEN_TTL', '5', /^ACCESS_TOKEN_TTL must be a number of seconds from 60 to 86400/],
    ['REFRESH_TOKEN_TTL', 'forever', /^REFRESH_TOKEN_TTL must be a number of seconds/],
    ['REFRESH_TOKEN_REUSE_GRACE', '-1', /^REFRESH_TOKEN_REUSE_GRACE must be a number of seconds from 0/],
    ['GRANT_MAX_LIFETIME', '60', /^GRANT_MAX_LIFETIME must be a number of seconds from 3600 to 31536000/],
    ['GRANT_MAX_LIFETIME', '90d', /^GRANT_MAX_LIFETIME must be a number of seconds/],
    ['GRANT_MAX_LIFETIME', '99999999', /^GRANT_MAX_LIFETIME must be a number of seconds/],
    ['DEV_LOGIN', 'maybe', /^DEV_LOGIN must be true or false/],
    ['EMAIL_LOGIN', 'yes', /^EMAIL_LOGIN must be true or false/],
    ['SMTP_URL', 'http://smtp.example.com', /^SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/],
    ['EMAIL_FROM', 'nobody', /^EMAIL_FROM must be a sender address/],
    [
      'RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR',
      '0',
      /^RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR must be/,
    ],
    ['MIGRATE_ON_START', 'yes', /^MIGRATE_ON_START must be true or false/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of/],
    ['NODE_ENV', 'staging', /^NODE_ENV must be development, production or test/],
    ['ALLOWED_EMAIL_DOMAINS', 'a b c', /^ALLOWED_EMAIL_DOMAINS must be a comma list/],
    ['MCP_ALLOWED_ORIGINS', 'https://app.example.com/path', /^MCP_ALLOWED_ORIGINS entry/],
    ['GITHUB_TOKEN_URL', 'not a url', /^GITHUB_TOKEN_URL must be an absolute http\(s\) URL/],
    ['DATABASE_POOL_SIZE', '0', /^DATABASE_POOL_SIZE must be a whole number from 1 to 200/],
    [
      'AUDIT_RETENTION_DAYS',
      '-1',
      /^AUDIT_RETENTION_DAYS must be a whole number of days from 0 \(keep forever\)/,
    ],
    ['AUDIT_RETENTION_DAYS', '2.5e2', /^AUDIT_RETENTION_DAYS must be a whole number of days/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses ${name}=${value} with a message naming the variable`, () => {
      const problems = problemsOf({ [name]: value });
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0], message);
    });
  }

  it('reads AUDIT_RETENTION_DAYS, 0 meaning keep forever', () => {
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays, 30);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays, 0);
  });

  it('lists every problem at once', () => {
    assert.equal(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', DEV_LOGIN: 'perhaps' }).length, 3);
  });

  it('needs both halves of a provider credential', () => {
    assert.deepEqual(problemsOf({ GITHUB_CLIENT_ID: 'abc' }), [
      'GITHUB_CLIENT_SECRET is required when GITHUB_CLIENT_ID is set',
    ]);
    assert.deepEqual(problemsOf({ OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b' }), [
      'OIDC_ISSUER is required when OIDC_CLIENT_ID is set',
    ]);
  });

  it('trusts the company SSO issuer and ENTERPRISE_IDP_ISSUERS for ID-JAGs (EXT-EMA-03)', () => {
    assert.deepEqual(trustedIdpIssuers(loadConfig({})), []);
    assert.deepEqual(loadConfig({}).enterprise, { idpIssuers: [], clients: [] });
    const c = loadConfig({
      OIDC_ISSUER: 'https://sso.example.com',
      OIDC_CLIENT_ID: 'a',
      OIDC_CLIENT_SECRET: 'b',
      ENTERPRISE_IDP_ISSUERS: 'https://login.partner.example/tenant, https://sso.example.com',
      ENTERPRISE_IDP_CLIENTS: 'agent-1,agent-2',
    });
    assert.deepEqual(trustedIdpIssuers(c), [
      'https://sso.example.com',
      'https://login.partner.example/tenant',
    ]);
    assert.deepEqual(c.enterprise.clients, ['agent-1', 'agent-2']);
    // OIDC_ISSUER alone (SSO not enabled) trusts nothing.
    assert.deepEqual(trustedIdpIssuers(loadConfig({ OIDC_ISSUER: 'https://sso.example.com' })), []);
    assert.deepEqual(problemsOf({ ENTERPRISE_IDP_ISSUERS: 'http://idp.example.com' }), [
      'ENTERPRISE_IDP_ISSUERS entry "http://idp.example.com" must be an issuer URL such as https://login.example.com (https, no query)',
    ]);
    assert.equal(problemsOf({ ENTERPRISE_IDP_ISSUERS: 'https://idp.example.com?x=1' }).length, 1);
    assert.equal(problemsOf({ ENTERPRISE_IDP_CLIENTS: 'a, ,b c' }).length, 1);
    // Loopback http is for tests and development only.
    assert.deepEqual(loadConfig({ ENTERPRISE_IDP_ISSUERS: 'http://127.0.0.1:4000' }).enterprise.idpIssuers, [
      'http://127.0.0.1:4000',
    ]);
  });

  describe('in production', () => {
    const secret = 'x'.repeat(40);
    const DATABASE_URL = 'postgres://mcp:pw@db.internal:5432/mcp_auth';
    it('requires SESSION_SECRET', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL,
        PUBLIC_URL: 'https://mcp.example.com',
      });
      assert.equal(problems.length, 1);
      assert.match(problems[0], /^SESSION_SECRET is required when NODE_ENV=production/);
    });
    it('requires DATABASE_URL (no embedded database in production), naming the variable and the fix', () => {
      for (const value of [undefined, '', '  ']) {
        const problems = problemsOf({
          NODE_ENV: 'production',
          SESSION_SECRET: secret,
          PUBLIC_URL: 'https://mcp.example.com',
          DATABASE_URL: value,
        });
        assert.deepEqual(problems, [
          'DATABASE_URL is required when NODE_ENV=production; set it to your PostgreSQL, such as postgres://user:pass@host:5432/db (the embedded database is for development only)',
        ]);
      }
      assert.equal(
        loadConfig({ DATABASE_URL: undefined }).database.url,
        undefined,
        'development keeps the embedded default',
      );
    });
    it('requires an https PUBLIC_URL', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL,
        SESSION_SECRET: secret,
        PUBLIC_URL: 'http://mcp.example.com',
      });
      assert.deepEqual(problems.length, 1);
      assert.match(problems[0], /^PUBLIC_URL must be an https:\/\/ URL when NODE_ENV=production/);
    });
    it('refuses DEV_LOGIN=true', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL,
        SESSION_SECRET: secret,
        PUBLIC_URL: 'https://mcp.example.com',
        DEV_LOGIN: 'true',
      });
      assert.deepEqual(problems.length, 1);
      assert.match(problems[0], /^DEV_LOGIN=true is refused when NODE_ENV=production/);
    });
    it('refuses EMAIL_LOGIN=true without SMTP_URL and EMAIL_FROM, naming what is missing', () => {
      const base = {
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        PUBLIC_URL: 'https://mcp.example.com',
        DATABASE_URL: 'postgres://db.example.com/mcp',
      };
      const none = problemsOf({ ...base, EMAIL_LOGIN: 'true' });
      assert.equal(none.length, 1);
      assert.match(
        none[0],
        /^EMAIL_LOGIN=true is refused without SMTP_URL and EMAIL_FROM when NODE_ENV=production; set SMTP_URL/,
      );
      const noFrom = problemsOf({
        ...base,
        EMAIL_LOGIN: 'true',
        SMTP_URL: 'smtps://u:p@smtp.example.com:465',
      });
      assert.match(noFrom[0], /^EMAIL_LOGIN=true is refused without EMAIL_FROM when/);
      const c = loadConfig({
        ...base,
        EMAIL_LOGIN: 'true',
        SMTP_URL: 'smtps://u:p@smtp.example.com:465',
        EMAIL_FROM: 'Example <no-reply@example.com>',
      });
      assert.deepEqual(c.emailLogin, {
        smtpUrl: 'smtps://u:p@smtp.example.com:465',
        from: 'Example <no-reply@example.com>',
        perAddressPerHour: 5,
        perIpPerHour: 30,
      });
      assert.equal(
        loadConfig({ ...base, SMTP_URL: 'smtp://127.0.0.1:25', EMAIL_FROM: 'a@b.c' }).emailLogin,
        undefined,
      );
    });
    it('turns dev login and migrate-on-start off by default', () => {
      const c = loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL,
        SESSION_SECRET: secret,
        PUBLIC_URL: 'https://mcp.example.com',
      });
      assert.equal(c.devLogin, false);
      assert.equal(c.database.migrateOnStart, false);
      assert.equal(c.sessionSecretIsEphemeral, false);
    });
  });

  it('parses TRUST_PROXY as a hop count, a boolean or an address list', () => {
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy, '10.0.0.0/8, loopback');
  });

  it('enables GitHub with github.com defaults and Enterprise Server overrides', () => {
    const c = loadConfig({
      GITHUB_CLIENT_ID: 'id',
      GITHUB_CLIENT_SECRET: 's',
      GITHUB_ALLOWED_ORGS: 'Acme, other',
    });
    assert.equal(c.providers.github?.authorizationUrl, 'https://github.com/login/oauth/authorize');
    assert.equal(c.providers.github?.userEmailUrl, 'https://api.github.com/user/emails');
    assert.deepEqual(c.providers.github?.allowedOrgs, ['acme', 'other']);
    const ghes = loadConfig({
      GITHUB_CLIENT_ID: 'id',
      GITHUB_CLIENT_SECRET: 's',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_AUTHORIZATION_URL: 'https://ghe.example.com/login/oauth/authorize',
    });
    assert.equal(ghes.providers.github?.userProfileUrl, 'https://ghe.example.com/api/v3/user');
    assert.equal(ghes.providers.github?.authorizationUrl, 'https://ghe.example.com/login/oauth/authorize');
  });
});
