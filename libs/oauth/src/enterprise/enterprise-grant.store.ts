import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { GrantRepository } from '../repositories/grant.repository';
import type { PreparedToken } from '../repositories/prepared-token';
import { ToolCoveragePolicy } from '../tool-coverage/tool-coverage.policy';

export interface EnterpriseGrant {
  userId: string;
  clientId: string;
  scopes: readonly string[];
  resource: string;
  /** The IdP whose ID-JAG made the grant (oauth_grants.granted_by_issuer). */
  issuer: string;
  access: PreparedToken;
}

/**
 * Writes what an accepted ID-JAG yields: a grant like any other (so revocation, the Connected apps page
 * and the admin pages treat it as one) that names the IdP that granted it, and its access token bound to
 * the resource (RS-TOK-04). The IdP's live grant for the same person, client and resource is reused when
 * it covers the scopes. Runs in the caller's transaction.
 */
@Injectable()
export class EnterpriseGrantStore {
  constructor(
    private readonly grants: GrantRepository,
    private readonly coverage: ToolCoveragePolicy,
  ) {}

  async issue(manager: EntityManager, grant: EnterpriseGrant): Promise<string> {
    // EXT-RC-01: the IdP's decision is the approval; each ID-JAG approves what its scopes reach now, so
    // a tool added later is covered by the next exchange instead of asking for a consent nobody shows.
    const coveredTools = this.coverage.record(grant.scopes);
    const grantId =
      (await this.grants.renewIdpGrant(manager, { ...grant, coveredTools })) ??
      (await this.grants.createGrant(manager, {
        userId: grant.userId,
        clientId: grant.clientId,
        scopes: grant.scopes,
        resource: grant.resource,
        grantedByIssuer: grant.issuer,
        coveredTools,
      }));
    await manager.query(
      `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
      [
        grant.access.id,
        grant.access.tokenHash,
        grantId,
        grant.clientId,
        grant.userId,
        grant.scopes,
        grant.resource,
        grant.access.ttlSeconds,
      ],
    );
    return grantId;
  }
}
