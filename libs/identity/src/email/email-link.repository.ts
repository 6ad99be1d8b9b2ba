import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EmailSignInLinkEntity } from '../entities/email-sign-in-link.entity';
import { sha256 } from '../secrets';

export interface NewEmailLink {
  token: string;
  browserBinding: string;
  email: string;
  returnTo: string;
  ttlSeconds: number;
}

export interface EmailLinkRow {
  /** SHA-256 of the binding cookie of the browser that asked for the link. */
  browserHash: Buffer;
  email: string;
  returnTo: string;
}

interface Row {
  browser_hash: Buffer;
  email: string;
  return_to: string;
}

const toLink = (row: Row | undefined): EmailLinkRow | null =>
  row ? { browserHash: row.browser_hash, email: row.email, returnTo: row.return_to } : null;

/**
 * The only code that touches email_sign_in_links. Tokens are looked up by their SHA-256 digest (the
 * database never sees a token), and the database clock decides expiry everywhere.
 */
@Injectable()
export class EmailLinkRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(link: NewEmailLink): Promise<void> {
    await this.dataSource.getRepository(EmailSignInLinkEntity).insert({
      id: randomUUID(),
      tokenHash: sha256(link.token),
      browserHash: sha256(link.browserBinding),
      email: link.email,
      returnTo: link.returnTo,
      expiresAt: () => `now() + interval '${Math.trunc(link.ttlSeconds)} seconds'`,
    });
  }

  /** The link, when it is still usable (unexpired, never used); does not use it. */
  async find(token: string): Promise<EmailLinkRow | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT browser_hash, email, return_to FROM email_sign_in_links
        WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > now()`,
      [sha256(token)],
    );
    return toLink(rows[0]);
  }

  /**
   * Single use in one conditional write: the usable link with this token digest is marked used and
   * returned; a second use, an expired or unknown token get null (two concurrent uses: one wins).
   */
  async consume(token: string): Promise<EmailLinkRow | null> {
    const [rows]: [Row[], number] = await this.dataSource.query(
      `UPDATE email_sign_in_links SET consumed_at = now()
        WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > now()
        RETURNING browser_hash, email, return_to`,
      [sha256(token)],
    );
    return toLink(rows[0]);
  }

  /** Housekeeping: links that ended (used or expired) more than an hour ago. */
  async deleteStale(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM email_sign_in_links WHERE id IN (
         SELECT id FROM email_sign_in_links WHERE expires_at < now() - interval '1 hour' LIMIT 500)`,
    );
  }
}
