import { ServiceError } from '@app/errors';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';

/** PostgreSQL cannot be reached right now: a fast, retryable 503 with Retry-After, never a 500. */
export class DatabaseOutageError extends ServiceError {
  readonly status = 503;
}

const RETRY_LATER = Object.freeze({ 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) });

/**
 * The one outage mapper: a thrown value that means "the database is down" becomes the 503 every
 * surface answers (status and Retry-After from here; each surface only writes its own body), anything
 * else `undefined`. The detail (for the logs) names the driver's error, never a query or a value.
 */
export function databaseOutage(thrown: unknown): DatabaseOutageError | undefined {
  if (!isDatabaseUnavailable(thrown)) return undefined;
  const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : 'non-error thrown';
  return new DatabaseOutageError('The service is temporarily unavailable', detail, RETRY_LATER);
}
