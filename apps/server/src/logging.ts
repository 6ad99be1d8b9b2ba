import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '@app/config';

/** Query and body field names whose values must never reach a log line (RS-TOK-09). */
const SENSITIVE_PARAMS =
  /^(code|code_verifier|state|nonce|token|access_token|refresh_token|id_token|client_secret|registration_access_token|password|assertion|session|csrf|_csrf|request_id|return_to)$/i;

/** Defence in depth: these paths are redacted even if some code logs a whole object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  '*.code_verifier',
  '*.registration_access_token',
  '*.token',
  '*.password',
  'client_secret',
  'access_token',
  'refresh_token',
  'code_verifier',
  'registration_access_token',
];

/** The path plus query, with the value of every sensitive parameter replaced. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const kept: string[] = [];
  for (const [key, value] of params) {
    kept.push(
      `${encodeURIComponent(key)}=${SENSITIVE_PARAMS.test(key) ? '[REDACTED]' : encodeURIComponent(value)}`,
    );
  }
  return `${url.slice(0, q)}?${kept.join('&')}`;
}

export function createRootLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'mcp-auth-server' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Nest's LoggerService on top of pino, so framework messages are structured JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    const ctx = context ?? stackOrContext;
    if (message instanceof Error) this.logger.error({ context: ctx, err: message }, message.message);
    else this.logger.error({ context: ctx, stack: context ? stackOrContext : undefined }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
