// issue_code applies SCOPE_GRANT_POLICY itself (RFC 6749 §3.3): the consent, the grant and the code it
// writes hold only what the person may be granted, whatever the token repository does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { loadConfig } from '@app/config';
import { InvalidScopeError } from '../../common/oauth-errors';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { ScopeGrantPolicy } from '../../grants-directory/scope-grant-policy';
import type { AuthorizeRun, AuthorizeStepDependencies } from './authorize-step';
import { stepIssueCode } from './step-issue-code';
import { OAUTH_CONFIG } from '../../config/oauth.config';

const onlyNotes: ScopeGrantPolicy = {
  grantable: (_userId, scopes) => Promise.resolve(scopes.filter((s) => s === 'notes:read')),
};

function fixture(policy: ScopeGrantPolicy) {
  const written: Record<string, unknown[]> = { consent: [], grant: [], code: [] };
  const manager = { query: () => Promise.resolve([{ disabled: false }]) };
  const deps = {
    dataSource: { transaction: (work: (m: unknown) => Promise<unknown>) => work(manager) },
    consents: { grant: (consent: { scopes: string[] }) => written.consent.push(consent.scopes) },
    grants: {
      createGrant: (_m: unknown, grant: { scopes: string[] }) => {
        written.grant.push(grant.scopes);
        return Promise.resolve('g1');
      },
    },
    codes: { insertCode: (_m: unknown, code: { scopes: string[] }) => written.code.push(code.scopes) },
    audit: { record: () => Promise.resolve() },
    config: loadConfig({ PUBLIC_URL: 'https://mcp.example.com' }, [OAUTH_CONFIG]),
    scopePolicy: policy,
  } as unknown as AuthorizeStepDependencies;
  const run: AuthorizeRun = {
    entry: 'decide',
    input: {},
    request: {} as Request,
    ip: '192.0.2.1',
    user: { id: 'u1' } as AuthorizeRun['user'],
    auth: {
      client: { clientId: 'c1', redirectUris: ['https://a.example/cb'] } as unknown as OAuthClientEntity,
      redirectUri: 'https://a.example/cb',
      redirectUriProvided: true,
      state: 'xyz',
      codeChallenge: 'c',
      scopes: ['admin', 'notes:read'],
      resource: 'https://rs.example/mcp',
      prompt: new Set(),
      maxAge: null,
    },
    approval: { approved: ['admin', 'notes:read'], approvedAt: null },
  };
  return { deps, run, written };
}

describe('issue_code applies SCOPE_GRANT_POLICY', () => {
  it('the consent, the grant and the code hold only what the policy allows', async () => {
    const { deps, run, written } = fixture(onlyNotes);
    await stepIssueCode.run(run, deps);
    assert.deepEqual(written, { consent: [['notes:read']], grant: [['notes:read']], code: [['notes:read']] });
    assert.equal(run.outcome?.kind, 'redirect');
  });

  it('nothing grantable: invalid_scope and nothing written', async () => {
    const { deps, run, written } = fixture({ grantable: () => Promise.resolve([]) });
    await assert.rejects(Promise.resolve(stepIssueCode.run(run, deps)), InvalidScopeError);
    assert.deepEqual(written, { consent: [], grant: [], code: [] });
  });

  it('no approval: the step leaves the answer to the steps after it', async () => {
    const { deps, run, written } = fixture(onlyNotes);
    delete run.approval;
    await stepIssueCode.run(run, deps);
    assert.equal(run.outcome, undefined);
    assert.deepEqual(written, { consent: [], grant: [], code: [] });
  });
});
