import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import type { UserGrantRevoker } from './ports/user-grants';
import { GrantRepository } from './repositories/grant.repository';
import { RevocationListener } from './verification/revocation-listener';

@Injectable()
export class UserGrantRevokerService implements UserGrantRevoker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
  ) {}

  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    const grantIds = await inTransaction(this.dataSource, async (manager) => {
      const ids = await this.grants.liveGrantIds(manager, userId);
      for (const id of ids) await this.grants.revokeGrant(manager, id, reason.slice(0, 64));
      if (ids.length > 0) {
        await this.audit.record(
          { type: 'grant.revoked', userId, detail: { reason, grants: ids.length } },
          manager,
        );
      }
      return ids;
    });
    for (const id of grantIds) this.listener.deliverLocally({ kind: 'grant', id });
    return grantIds.length;
  }
}
