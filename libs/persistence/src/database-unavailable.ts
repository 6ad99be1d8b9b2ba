/**
 * True when an error means "PostgreSQL cannot be reached right now" (refused, reset, timed out, shutting
 * down, too many connections) rather than a bug or a bad query. Such errors become a fast 503 with
 * Retry-After instead of a 500: the request may be retried, and the process recovers by itself once the
 * database is back.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    const code = typeof err.code === 'string' ? err.code : '';
    // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot
    // connect now), 53300 (too many connections); Node socket errors.
    if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code))
      return true;
    const message = typeof err.message === 'string' ? err.message : '';
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
        message,
      )
    ) {
      return true;
    }
    e = err.driverError ?? err.cause;
  }
  return false;
}

/** Seconds a client should wait before retrying after a database outage answer. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;
