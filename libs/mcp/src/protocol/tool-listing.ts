import type { ScopeGrantPolicy } from '@app/oauth';
import { ToolCatalog, type ToolListEntry } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';

const GRANTABLE_CACHE_TTL_MS = 60_000;
const GRANTABLE_CACHE_MAX = 10_000;

/** tools/list for one person: what they hold or could be granted (the scope-grant policy's answer). */
export class ToolListing {
  private readonly grantableCache = new Map<string, { until: number; scopes: ReadonlySet<string> }>();

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly scopePolicy?: ScopeGrantPolicy,
  ) {}

  /**
   * Every tool the signed-in person could be granted, not only those the token covers: a host that
   * offers the model only listed tools could otherwise never reach a tool behind a step-up (the call
   * answers the 403 insufficient_scope challenge). Each entry names its scopes in `_meta` and in its
   * description. Tools needing a scope the person may never hold (the `admin` scope for
   * non-administrators, per the scope-grant policy) stay hidden.
   */
  async listTools(caller: McpCaller, modern: boolean): Promise<{ tools: ToolListEntry[] }> {
    const all = [...this.catalog.tools()];
    const missing = new Set<string>();
    for (const tool of all) {
      for (const scope of tool.requiredScopes) if (!caller.scopes.includes(scope)) missing.add(scope);
    }
    // A machine client (EXT-CC-06) cannot step up to scopes it does not hold, nor call a tool that
    // needs a person: neither is listed for it.
    const grantable =
      missing.size === 0 || caller.userId === null
        ? new Set<string>()
        : await this.grantable(caller.userId, [...missing]);
    const tools: ToolListEntry[] = [];
    for (const tool of all) {
      if (tool.requiresPerson && caller.kind === 'client') continue;
      if (tool.requiredScopes.every((s) => caller.scopes.includes(s) || grantable.has(s))) {
        tools.push(modern ? tool.modernListEntry : tool.listEntry);
      }
    }
    return { tools };
  }

  /**
   * The scope-grant policy's answer (it may read the database: is this person an administrator?),
   * remembered for a minute per person and scope set, bounded: it only shapes listings, never what a
   * token may do, so a change of admin status shows in tools/list within a minute.
   */
  private async grantable(userId: string, scopes: string[]): Promise<ReadonlySet<string>> {
    if (!this.scopePolicy) return new Set(scopes);
    const key = `${userId} ${scopes.join(' ')}`;
    const now = Date.now();
    const known = this.grantableCache.get(key);
    if (known && known.until > now) return known.scopes;
    const answer = new Set(await this.scopePolicy.grantable(userId, scopes));
    if (this.grantableCache.size >= GRANTABLE_CACHE_MAX) {
      const oldest = this.grantableCache.keys().next();
      if (!oldest.done) this.grantableCache.delete(oldest.value);
    }
    this.grantableCache.set(key, { until: now + GRANTABLE_CACHE_TTL_MS, scopes: answer });
    return answer;
  }
}
