import { inTransaction } from '@app/persistence';
import { authorizationResponseUrl } from '../../common/oauth-error.filters';
import { digest, newSecret } from '../../common/secrets';
import type { SignedInUser } from '../../ports/signed-in-user';
import { redirectUrisDigest } from '../../repositories/consent.repository';
import type { ValidatedAuthorization } from '../authorize-context';
import type { AuthorizeStep, AuthorizeStepDependencies } from './authorize-step';
import { grantableOrRefuse } from './grantable-scopes';
import { disabledClient } from './stored-request';

/**
 * RFC 6749 §4.1.2: the authorization response, when there is an approval to act on (a remembered
 * consent that needs no page, or "allow" on the consent form). Nothing to act on: the steps after it
 * ask for one.
 */
export const stepIssueCode: AuthorizeStep = {
  name: 'issue_code',
  appliesTo: ['start', 'continue', 'decide'],
  async run(run, deps) {
    if (!run.approval) return;
    const { approved, approvedAt } = run.approval;
    run.outcome = {
      kind: 'redirect',
      location: await issueCode(deps, run.user!, run.auth!, approved, approvedAt, run.ip),
    };
  },
};

/**
 * Grant + single-use code in one transaction; returns the authorization response redirect (RFC 9207
 * iss). The scopes are what SCOPE_GRANT_POLICY lets this person hold (RFC 6749 §3.3), decided here,
 * once, for the consent, the grant and the code alike. The client row is read under a share lock: an
 * administrator's Disable either waits for this transaction (and then revokes what it wrote) or has
 * committed and this one refuses.
 */
async function issueCode(
  deps: AuthorizeStepDependencies,
  user: SignedInUser,
  auth: ValidatedAuthorization,
  approved: readonly string[] | null,
  approvedAt: Date | null,
  ip: string | null,
): Promise<string> {
  const code = newSecret('authorizationCode');
  const scopes = await grantableOrRefuse(deps, user, approved ?? auth.scopes);
  const clientId = auth.client.clientId;
  await inTransaction(deps.dataSource, async (manager) => {
    const [client] = await manager.query<{ disabled: boolean }[]>(
      `SELECT disabled_at IS NOT NULL AS disabled FROM oauth_clients WHERE client_id = $1 FOR SHARE`,
      [clientId],
    );
    if (!client || client.disabled) throw disabledClient(auth.client);
    if (approved) {
      await deps.consents.grant(
        {
          userId: user.id,
          clientId,
          resource: auth.resource,
          scopes,
          redirectUrisDigest: redirectUrisDigest(auth.client.redirectUris),
          maxAgeSeconds: deps.config.tokens.grantMaxLifetime,
        },
        manager,
      );
      await deps.audit.record(
        {
          type: 'consent.granted',
          userId: user.id,
          clientId,
          ip,
          detail: { scopes, resource: auth.resource },
        },
        manager,
      );
    }
    const grantId = await deps.grants.createGrant(manager, {
      userId: user.id,
      clientId,
      scopes,
      resource: auth.resource,
      approvedAt: approved ? null : approvedAt,
    });
    await deps.codes.insertCode(manager, {
      codeHash: digest(code),
      grantId,
      clientId,
      userId: user.id,
      redirectUri: auth.redirectUri,
      redirectUriProvided: auth.redirectUriProvided,
      codeChallenge: auth.codeChallenge,
      scopes,
      resource: auth.resource,
      ttlSeconds: deps.config.tokens.authorizationCodeTtl,
    });
    await deps.audit.record(
      {
        type: 'code.issued',
        userId: user.id,
        clientId,
        grantId,
        ip,
        detail: { scopes, consentPageShown: approved !== null },
      },
      manager,
    );
  });
  return authorizationResponseUrl(auth.redirectUri, deps.config.issuer, { code, state: auth.state });
}
