/** A token minted in memory (id and digest), written by one of the single-statement repository methods. */
export interface PreparedToken {
  id: string;
  tokenHash: Buffer;
  ttlSeconds: number;
}
