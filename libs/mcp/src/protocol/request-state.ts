import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How long a sealed requestState stays valid: enough for a person to answer, short for replays. */
export const REQUEST_STATE_TTL_MS = 10 * 60_000;

/** What a requestState binds (MCP 2026-07-28 MRTR, server requirements 4-5). */
export interface RequestStateBinding {
  readonly userId: string;
  readonly tool: string;
  readonly args: unknown;
}

interface Payload {
  readonly u: string;
  readonly t: string;
  readonly a: string;
  readonly e: number;
  readonly s: unknown;
}

/**
 * Seals a tool's MRTR state into the opaque `requestState` the client echoes back: the payload in
 * base64url plus an HMAC-SHA256 over it, with a key derived (HKDF) from SESSION_SECRET so any replica
 * verifies it. The payload binds the person, the tool, a digest of the arguments and an expiry, so the
 * state cannot be replayed by someone else, on another call, or late (MRTR §Server Requirements: the
 * client is attacker-controlled input). Integrity only: tools must not put secrets in their state.
 */
export class RequestStateSealer {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'mcp-auth-server', 'mcp request state v1', 32)),
    );
  }

  seal(binding: RequestStateBinding, state: unknown, now = Date.now()): string {
    const payload: Payload = {
      u: binding.userId,
      t: binding.tool,
      a: digest(binding.args),
      e: now + REQUEST_STATE_TTL_MS,
      s: state ?? null,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(this.keys[0], body)}`;
  }

  /** The tool's state, or undefined when the seal, the binding or the expiry does not hold. */
  open(token: unknown, binding: RequestStateBinding, now = Date.now()): { state: unknown } | undefined {
    if (typeof token !== 'string' || token.length > 64 * 1024) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const presented = Buffer.from(token.slice(dot + 1), 'base64url');
    const valid = this.keys.some((key) => {
      const expected = Buffer.from(this.mac(key, body), 'base64url');
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    });
    if (!valid) return undefined;
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return undefined;
    }
    if (payload.u !== binding.userId || payload.t !== binding.tool) return undefined;
    if (payload.a !== digest(binding.args) || !(payload.e > now)) return undefined;
    return { state: payload.s ?? undefined };
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest('base64url');
  }
}

/** SHA-256 of the arguments in a canonical JSON (object keys sorted), so key order does not matter. */
function digest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('base64url');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
