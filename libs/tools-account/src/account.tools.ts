import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  CALLER_PROFILE_READER,
  McpScopes,
  McpTool,
  RequireScopes,
  ToolError,
  type CallerProfile,
  type CallerProfileReader,
  type McpCaller,
} from '@app/mcp';

const whoamiInput = z.object({});

/** How long a replica answers whoami from memory before reading the user again. */
export const PROFILE_CACHE_TTL_MS = 5_000;
const PROFILE_CACHE_MAX_ENTRIES = 5_000;

/** The smallest useful tool: who the token belongs to and which client is calling. */
@McpScopes({
  'profile:read': { description: 'See your name and email address', default: true },
})
@Injectable()
export class AccountTools {
  /**
   * A trivial tool should not cost a database round trip per call: each replica keeps the profile of
   * recent callers for PROFILE_CACHE_TTL_MS (bounded, oldest evicted). A renamed user sees the new name
   * within that time; a disabled or deleted user never gets here (their grants are revoked, so the
   * token is refused before any tool runs). A missing user is never cached.
   */
  private readonly profiles = new Map<string, { profile: CallerProfile; until: number }>();

  /**
   * A URL client's client_id (its metadata document URL) by the internal row id that tokens carry. The
   * pair never changes (the row id is derived from the URL), so a replica keeps it; bounded.
   */
  private readonly documentUrls = new Map<string, string>();

  constructor(
    @Inject(CALLER_PROFILE_READER) private readonly reader: CallerProfileReader,
    private readonly dataSource: DataSource,
  ) {}

  @McpTool({
    name: 'whoami',
    title: 'Who am I',
    description:
      'Show the signed-in user (id, name, email) and which client application is calling on their behalf; for a machine client acting for itself, that client and no user.',
    input: whoamiInput,
    annotations: { readOnlyHint: true, openWorldHint: false },
  })
  @RequireScopes('profile:read')
  async whoami(_input: z.output<typeof whoamiInput>, caller: McpCaller) {
    const client = { id: await this.publicClientId(caller.clientId) };
    // A machine client's token (client_credentials) names no person: whoami says so.
    if (caller.kind === 'client') return { caller: caller.kind, user: null, client, scopes: caller.scopes };
    const user = await this.profile(caller.userId);
    if (!user) throw new ToolError('Your account no longer exists');
    return {
      caller: caller.kind,
      user: { id: user.id, name: user.name, email: user.email },
      // The client_id the client itself knows: for a URL client (Client ID Metadata Document) that is
      // its document URL, never the internal row id.
      client,
      scopes: caller.scopes,
    };
  }

  private async publicClientId(clientId: string): Promise<string> {
    if (!clientId.startsWith('cimd_')) return clientId;
    const known = this.documentUrls.get(clientId);
    if (known) return known;
    const rows = await this.dataSource.query<{ url: string }[]>(
      'SELECT url FROM cimd_documents WHERE client_id = $1',
      [clientId],
    );
    const url = rows[0]?.url;
    if (!url) return clientId;
    if (this.documentUrls.size >= PROFILE_CACHE_MAX_ENTRIES) this.documentUrls.clear();
    this.documentUrls.set(clientId, url);
    return url;
  }

  private async profile(userId: string): Promise<CallerProfile | null> {
    const now = Date.now();
    const hit = this.profiles.get(userId);
    if (hit && hit.until > now) return hit.profile;
    const profile = await this.reader.profile(userId);
    if (!profile) {
      this.profiles.delete(userId);
      return null;
    }
    this.profiles.delete(userId);
    if (this.profiles.size >= PROFILE_CACHE_MAX_ENTRIES) {
      const oldest = this.profiles.keys().next();
      if (!oldest.done) this.profiles.delete(oldest.value);
    }
    this.profiles.set(userId, { profile, until: now + PROFILE_CACHE_TTL_MS });
    return profile;
  }
}
