import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { upstreamEndpoints } from './upstream-endpoints';
import { UpstreamTokenRepository } from './upstream-token.repository';

export const AUDIT_UPSTREAM_DISCONNECTED = 'upstream.disconnected';

/** One upstream account the server holds a token for, as the account page shows it (never the token). */
export interface UpstreamConnectionView {
  readonly provider: string;
  readonly displayName: string;
  readonly scopes: readonly string[];
  readonly connectedAt: Date;
}

/** The person's upstream connections, for /account: list them and disconnect one (UP-15). */
@Injectable()
export class UpstreamConnections {
  private readonly names: ReadonlyMap<string, string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tokens: UpstreamTokenRepository,
    private readonly audit: AuditLog,
  ) {
    this.names = new Map([...upstreamEndpoints(config).values()].map((e) => [e.provider, e.displayName]));
  }

  async list(userId: string): Promise<UpstreamConnectionView[]> {
    return (await this.tokens.connections(userId)).map((c) => ({
      provider: c.provider,
      displayName: this.names.get(c.provider) ?? c.provider,
      scopes: c.scopes,
      connectedAt: c.connectedAt,
    }));
  }

  /** Deletes the stored tokens; false when there were none (another person's are "not found"). */
  async disconnect(userId: string, provider: string, ip: string | null): Promise<boolean> {
    if (!(await this.tokens.delete(userId, provider))) return false;
    await this.audit.record({ type: AUDIT_UPSTREAM_DISCONNECTED, userId, ip, detail: { provider } });
    return true;
  }
}
