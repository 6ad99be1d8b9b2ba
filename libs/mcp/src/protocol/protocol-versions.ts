/**
 * MCP revisions this endpoint speaks: 2025-11-25 is the baseline (what SDK 1.x negotiates), 2025-06-18
 * and 2025-03-26 clients are still served. Newest first: the first entry is what we offer to a client
 * that asks for anything else (lifecycle: version negotiation).
 */
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const LATEST_PROTOCOL_VERSION = SUPPORTED_PROTOCOL_VERSIONS[0];

export function isSupportedProtocolVersion(version: string): boolean {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/** Lifecycle §version negotiation: echo a version we support, otherwise offer our latest. */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === 'string' && isSupportedProtocolVersion(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}
