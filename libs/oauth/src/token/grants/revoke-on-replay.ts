import type { DataSource } from 'typeorm';
import type { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import type { GrantRepository } from '../../repositories/grant.repository';
import type { RevocationListener } from '../../verification/revocation-listener';

export interface ReplayDependencies {
  dataSource: DataSource;
  grants: GrantRepository;
  audit: AuditLog;
  listener: RevocationListener;
}

export interface ReplayEvent {
  /** `code.replay_detected` (RFC 6749 §10.5) or `refresh.reuse_detected` (OAuth 2.1 §4.3.1). */
  type: 'code.replay_detected' | 'refresh.reuse_detected';
  /** Stored as the grant's revoked_reason and in the grant.revoked event. */
  reason: 'code_replay' | 'refresh_reuse';
  grantId: string;
  userId?: string;
  clientId: string;
  ip: string;
  detail?: Record<string, unknown>;
}

/**
 * A single-use secret came back after it was used: revoke every token of its grant, record the
 * detection (always, so every replay is counted) and the revocation (when this call did it) in the
 * same transaction, then tell this replica's cache at once (the NOTIFY reaches the others).
 */
export async function revokeGrantOnReplay(deps: ReplayDependencies, event: ReplayEvent): Promise<void> {
  const { grantId, userId, clientId, ip } = event;
  await inTransaction(deps.dataSource, async (manager) => {
    const revoked = await deps.grants.revokeGrant(manager, grantId, event.reason);
    await deps.audit.record(
      { type: event.type, userId, clientId, grantId, ip, detail: { grantRevoked: revoked, ...event.detail } },
      manager,
    );
    if (revoked) {
      await deps.audit.record(
        { type: 'grant.revoked', userId, clientId, grantId, ip, detail: { reason: event.reason } },
        manager,
      );
    }
  });
  deps.listener.deliverLocally({ kind: 'grant', id: grantId });
}
