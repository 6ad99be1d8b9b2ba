import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Format byte of a sealed value: 1 = AES-256-GCM, 12-byte IV, ciphertext, 16-byte tag. */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Which row and which field a sealed value belongs to; bound as AAD so a value cannot be moved. */
export interface SealContext {
  readonly userId: string;
  readonly provider: string;
  readonly field: 'access' | 'refresh';
}

const aad = (c: SealContext) =>
  Buffer.from(`upstream-token/v1\n${c.userId}\n${c.provider}\n${c.field}`, 'utf8');

/**
 * Seals upstream tokens at rest (UP-12): AES-256-GCM under the current key with the row identity as
 * additional authenticated data, so a value copied to another person's row, another provider or the
 * other field does not open. Opening tries the current key, then the previous ones (a key rollover
 * like SESSION_SECRET_PREVIOUS); a tampered or foreign value opens under none and is refused.
 */
export class TokenCipher {
  private readonly keys: readonly Buffer[];

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('an upstream token key must be 32 bytes');
    }
    this.keys = [current, ...previous];
  }

  /** A development key derived from SESSION_SECRET (never used in production). */
  static derivedKey(sessionSecret: string): Buffer {
    return Buffer.from(hkdfSync('sha256', sessionSecret, Buffer.alloc(0), 'upstream-token-key/v1', 32));
  }

  seal(plaintext: string, context: SealContext): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, body, cipher.getAuthTag()]);
  }

  /** The plaintext, or null when no key opens it for this context (tampered, moved, unknown key). */
  open(sealed: Buffer, context: SealContext): string | null {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) return null;
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        // Not this key (or tampered): try the next one.
      }
    }
    return null;
  }

  /** Whether the value is sealed under an older key (the next write re-seals it under the current one). */
  needsReseal(sealed: Buffer, context: SealContext): boolean {
    return (
      this.open(sealed, context) !== null && new TokenCipher(this.keys[0]).open(sealed, context) === null
    );
  }
}
