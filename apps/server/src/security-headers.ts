import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The security headers of every response (helmet), as a flat name, value list: they do not depend on
 * the request, so helmet runs once, at boot, on a stub, and the edge sends the result verbatim.
 */
export function securityHeaders(options: { hsts: boolean }): string[] {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        // No form-action: the consent form's answer is a redirect to the client's redirect_uri,
        // which browsers would otherwise block.
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // Discovery documents must be readable cross-origin (browser-based MCP clients).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    strictTransportSecurity: options.hsts ? { maxAge: 31536000 } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  const headers: string[] = [];
  let synchronous = false;
  const stubRequest = { headers: {}, method: 'GET', url: '/' } as unknown as IncomingMessage;
  const stubResponse = {
    setHeader: (name: string, value: unknown) => headers.push(name, String(value)),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  } as unknown as ServerResponse;
  middleware(stubRequest, stubResponse, () => (synchronous = true));
  if (!synchronous) throw new Error('security headers: helmet did not answer synchronously');
  return headers;
}
