import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Recognisable prefixes so that secret scanners (and people) can tell a leaked value apart:
 * `mcp_at_` access token, `mcp_rt_` refresh token, `mcp_ac_` authorization code, `mcp_cs_` client
 * secret, `mcp_rat_` registration access token, `mcp_ar_` authorization request handle.
 */
export const SECRET_PREFIX = {
  accessToken: 'mcp_at_',
  refreshToken: 'mcp_rt_',
  authorizationCode: 'mcp_ac_',
  clientSecret: 'mcp_cs_',
  registrationAccessToken: 'mcp_rat_',
  authorizationRequest: 'mcp_ar_',
} as const;

export type SecretKind = keyof typeof SECRET_PREFIX;

/**
 * Random bytes from the CSPRNG, drawn from a 4 KiB block filled by one randomFillSync call (for performance:
 * the token endpoint needs three values per request, and each small randomBytes call costs a full
 * call into OpenSSL; node's randomUUID keeps a cache the same way). Bytes handed out are zeroed in the
 * block, so no secret stays in it.
 */
export function randomFromPool(size: number): Buffer {
  if (size > POOL_BYTES) return randomBytes(size);
  if (poolOffset + size > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.allocUnsafe(size);
  pool.copy(out, 0, poolOffset, poolOffset + size);
  pool.fill(0, poolOffset, poolOffset + size);
  poolOffset += size;
  return out;
}
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** A new 256-bit random secret with its kind's prefix (house rule: every presented secret). */
export function newSecret(kind: SecretKind): string {
  return SECRET_PREFIX[kind] + randomFromPool(32).toString('base64url');
}

/** SHA-256 digest: the only form in which a presented secret is stored (docs/architecture.md C5). */
export function digest(secret: string): Buffer {
  // One-shot crypto.hash: about half the CPU of createHash().update().digest().
  return hash('sha256', secret, 'buffer');
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function secretMatches(presented: string, storedDigest: Buffer | null | undefined): boolean {
  if (!storedDigest || storedDigest.length !== 32) return false;
  return timingSafeEqual(digest(presented), storedDigest);
}

/** Constant-time equality of two strings of any length (HMAC both, compare the MACs). */
export function constantTimeEqual(a: string, b: string): boolean {
  const key = randomBytes(32);
  const ma = createHmac('sha256', key).update(a).digest();
  const mb = createHmac('sha256', key).update(b).digest();
  return timingSafeEqual(ma, mb);
}

/** HMAC-SHA256 in base64url (CSRF tokens bound to a login session). */
export function hmac(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

/**
 * HKDF-SHA256 (RFC 5869) of a presented secret, salt `mcp-refresh-grace`, info `context`, 32 bytes:
 * extract (PRK = HMAC(salt, secret)) and the single expand block (HMAC(PRK, info || 0x01)) written
 * out with createHmac, which costs a fraction of crypto.hkdfSync's per-call setup on the token hot
 * path. The bytes are hkdfSync's (unit test), so responses sealed before still open.
 */
export function graceKey(secret: string, context: string): Buffer {
  const prk = createHmac('sha256', 'mcp-refresh-grace').update(secret, 'utf8').digest();
  return createHmac('sha256', prk).update(context, 'utf8').update(HKDF_FIRST_BLOCK).digest();
}
const HKDF_FIRST_BLOCK = Buffer.from([1]);

/**
 * Seals a value under a key derived from a presented secret (HKDF-SHA256). The database holds only
 * the secret's SHA-256 digest, which is not the HKDF key, so the database alone cannot open it.
 * Used for the refresh-token reuse grace window: the retry of a just-rotated token gets the same
 * response, which only the holder of that token can decrypt.
 */
export function sealWithSecret(secret: string, context: string, plaintext: string): Buffer {
  const key = graceKey(secret, context);
  const iv = randomFromPool(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Opens what sealWithSecret produced; null if the secret or context does not fit. */
export function openWithSecret(secret: string, context: string, sealed: Buffer): string | null {
  if (sealed.length < 28) return null;
  try {
    const key = graceKey(secret, context);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
