import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A 256-bit random value, base64url (43 characters): session ids, upstream `state`, binding cookies. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Whether a presented value has the shape of one of our secrets (checked before any lookup). */
export function isSecretShaped(value: unknown): value is string {
  return typeof value === 'string' && SECRET_SHAPE.test(value);
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function hmac(key: string, purpose: string, value: string): Buffer {
  return createHmac('sha256', key).update(`${purpose}\n${value}`, 'utf8').digest();
}

/** Constant-time equality of two byte strings (false when the lengths differ). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
