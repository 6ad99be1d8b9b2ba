/** Told with every embedded-database failure: the way out that needs no embedded PostgreSQL. */
export const SET_DATABASE_URL = 'or set DATABASE_URL to a PostgreSQL you run yourself.';

/**
 * The one error `startEmbeddedDatabase` throws: its message says what failed and how to fix it, and the
 * server prints it as its last line before exiting 1.
 */
export class EmbeddedDatabaseError extends Error {
  constructor(cause: string, fix: string) {
    super(`The embedded PostgreSQL did not start: ${cause}\nFix: ${fix}`);
    this.name = 'EmbeddedDatabaseError';
  }
}
