import type { Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { AuditLog } from '@app/audit';
import { loadConfig } from '@app/config';
import { ResourceServerAuthenticator, type AccessTokenVerifier, type RateLimiter } from '@app/oauth';
import { McpAuthService } from '../auth/mcp-auth.service';
import { McpEndpoint } from '../http/mcp-endpoint.service';
import { McpHttpError } from '../http/mcp-errors';
import { McpDispatcher } from '../protocol/mcp-dispatcher';
import { ToolCatalog } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';
import type { UpstreamTokenPort } from '../ports/upstream-tokens';
import { UpstreamAccess } from '../upstream/upstream-access';
import { UpstreamRequirements } from '../upstream/upstream-requirements';

/** What a tools/call answered, as a tool author checks it. */
export type TestToolAnswer =
  /** The tools/call result (content, structuredContent, isError): a tool error is `isError: true`. */
  | { readonly kind: 'result'; readonly result: Record<string, unknown> }
  /**
   * The step-up refusal (RS-SC-04/05): HTTP 403 `insufficient_scope`, naming every scope the tool needs
   * (implications honoured, RS-SC-06).
   */
  | { readonly kind: 'insufficient_scope'; readonly status: 403; readonly scope: readonly string[] }
  /** A JSON-RPC error (unknown tool, bad request state). */
  | { readonly kind: 'rpc_error'; readonly code: number; readonly message: string };

export interface TestToolOptions<T> {
  /** The scopes of the caller's token; the scopes they imply are added as on a real request (RS-SC-06). */
  readonly scopes: readonly string[];
  /** The caller's user id (token `sub`); `test-user` by default. */
  readonly user?: string;
  /** The client id the caller authorized; `test-client` by default. */
  readonly clientId?: string;
  /** The caller is a machine client acting for itself (client_credentials): kind `client`, no user. */
  readonly machine?: boolean;
  /** The tools instance, when its class takes constructor arguments (fakes of its dependencies). */
  readonly instance?: T;
  /** A stand-in for the person's upstream accounts, for tools declared with @UsesUpstream. */
  readonly upstream?: UpstreamTokenPort;
}

export interface TestTool {
  /** The caller every call runs as. */
  readonly caller: McpCaller;
  /** Calls one tool by name through the real /mcp path: scope check, input validation, the result. */
  call(name: string, args?: Record<string, unknown>): Promise<TestToolAnswer>;
  /** The tools/list entries the caller sees. */
  list(): Promise<readonly Record<string, unknown>[]>;
}

const noToken: AccessTokenVerifier = {
  verify: () => Promise.reject(new Error('newTestTool callers are already authenticated')),
};
const noLimits = { consume: async () => undefined, refusedFor: () => null } as unknown as RateLimiter;
const noAudit = { recordInBackground: () => undefined } as unknown as AuditLog;

/**
 * A tool class on its own, for a unit test beside it: the catalog holds only this class (its
 * @McpScopes, @McpTool and @RequireScopes checked as at boot), and `call` runs one tools/call through
 * the endpoint and dispatcher that serve /mcp, as a caller holding `scopes`. No HTTP, no database,
 * no token: see docs/tools.md, "Test a tool".
 */
export function newTestTool<T extends object>(tools: Type<T>, options: TestToolOptions<T>): TestTool {
  const instance = options.instance ?? new tools();
  const wrapper = { metatype: tools, instance, inject: undefined, isDependencyTreeStatic: () => true };
  const discovery = { getProviders: () => [wrapper] } as unknown as DiscoveryService;
  const catalog = new ToolCatalog(discovery, new Reflector(), new MetadataScanner());
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://mcp.test.example' });
  const auth = new McpAuthService(new ResourceServerAuthenticator(noToken, noLimits), config, catalog);
  const scanner = new MetadataScanner();
  const upstream = new UpstreamAccess(
    new UpstreamRequirements(discovery, new Reflector(), scanner),
    options.upstream,
  );
  upstream.onModuleInit(); // the boot check: every @UsesUpstream provider is served
  const dispatcher = new McpDispatcher(catalog, auth, noAudit, config, undefined, upstream);
  const endpoint = new McpEndpoint(dispatcher, catalog, auth);
  const token = {
    clientId: options.clientId ?? 'test-client',
    grantId: 'test-grant',
    scopes: [...catalog.expand(options.scopes)].sort(),
  };
  const caller: McpCaller = options.machine
    ? { kind: 'client', userId: null, ...token }
    : { kind: 'person', userId: options.user ?? 'test-user', ...token };
  let id = 0;
  const post = async (method: string, params: Record<string, unknown>) => {
    const response = await endpoint.handle(
      {
        body: { jsonrpc: '2.0', id: ++id, method, params },
        accept: 'application/json, text/event-stream',
        contentType: 'application/json',
        protocolVersion: undefined,
        headers: {},
        ip: '127.0.0.1',
      },
      caller,
    );
    // An SSE answer (a tool that logged or reported progress) ends with the response message.
    const last = (response.body ?? '')
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .pop();
    return JSON.parse(last ? last.slice(6) : (response.body ?? '{}')) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string };
    };
  };
  return {
    caller,
    async call(name, args = {}) {
      try {
        const answer = await post('tools/call', { name, arguments: args });
        if (answer.error)
          return { kind: 'rpc_error', code: answer.error.code, message: answer.error.message };
        return { kind: 'result', result: answer.result ?? {} };
      } catch (error) {
        if (!(error instanceof McpHttpError) || error.status !== 403) throw error;
        const scope = /scope="([^"]*)"/.exec(error.headers['WWW-Authenticate'] ?? '')?.[1] ?? '';
        return { kind: 'insufficient_scope', status: 403, scope: scope.split(' ').filter(Boolean) };
      }
    },
    async list() {
      const answer = await post('tools/list', {});
      return (answer.result?.tools ?? []) as Record<string, unknown>[];
    },
  };
}
