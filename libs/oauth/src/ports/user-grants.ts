/**
 * Lets the owner of users (libs/identity) end everything a user authorized, e.g. when an account is
 * disabled or deleted: every grant is revoked and every replica's token cache is told at once.
 */
export interface UserGrantRevoker {
  /** Revokes every live grant of the user; returns how many were revoked. */
  revokeAllForUser(userId: string, reason: string): Promise<number>;
}

export const USER_GRANT_REVOKER = Symbol('USER_GRANT_REVOKER');
