/**
 * MCP revisions this endpoint speaks (dual-era, MCP 2026-07-28 "Versioning and Compatibility"):
 * - modern: 2026-07-28, stateless, every request carries its version in `_meta` (and the
 *   MCP-Protocol-Version header);
 * - legacy: 2025-11-25 (what SDK 1.x negotiates), 2025-06-18 and 2025-03-26, negotiated by `initialize`.
 * Newest first: the first legacy entry is what `initialize` offers a client that asks for anything else.
 */
export const MODERN_PROTOCOL_VERSIONS = ['2026-07-28'] as const;
export const LEGACY_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const SUPPORTED_PROTOCOL_VERSIONS = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
] as const;
export const LATEST_LEGACY_PROTOCOL_VERSION = LEGACY_PROTOCOL_VERSIONS[0];

export function isSupportedProtocolVersion(version: string): boolean {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

export function isModernProtocolVersion(version: unknown): boolean {
  return typeof version === 'string' && (MODERN_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

export function isLegacyProtocolVersion(version: unknown): boolean {
  return typeof version === 'string' && (LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/**
 * 2025-11-25 lifecycle, version negotiation: echo a legacy version we support, otherwise offer our
 * latest legacy one (a modern version is never negotiated by `initialize`).
 */
export function negotiateProtocolVersion(requested: unknown): string {
  return isLegacyProtocolVersion(requested) ? (requested as string) : LATEST_LEGACY_PROTOCOL_VERSION;
}
