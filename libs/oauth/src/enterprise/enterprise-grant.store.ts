import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { GrantRepository } from '../repositories/grant.repository';
import type { PreparedToken } from '../repositories/prepared-token';

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
  constructor(private readonly grants: GrantRepository) {}

  async issue(manager: EntityManager, grant: EnterpriseGrant): Promise<string> {
    const grantId =
      (await this.grants.renewIdpGrant(manager, grant)) ??
      (await this.grants.createGrant(manager, {
        userId: grant.userId,
        clientId: grant.clientId,
        scopes: grant.scopes,
        resource: grant.resource,
        grantedByIssuer: grant.issuer,
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
