import type { Request, Response } from 'express';
import type { DiscoveryDocuments } from './discovery-documents';

// Documents are public and change only with a deploy: cacheable, and readable by browser-based
// clients from any origin, including a preflight for the MCP-Protocol-Version header (AS-MD-03).
function sendDocument(res: Response, body: Record<string, unknown>): void {
  res
    .status(200)
    .set('Access-Control-Allow-Origin', '*')
    .set('Cache-Control', 'public, max-age=300')
    .type('application/json')
    .send(JSON.stringify(body));
}

function sendPreflight(res: Response): void {
  res
    .status(204)
    .set('Access-Control-Allow-Origin', '*')
    .set('Access-Control-Allow-Methods', 'GET, OPTIONS')
    .set('Access-Control-Allow-Headers', 'MCP-Protocol-Version, Accept, Content-Type')
    .set('Access-Control-Max-Age', '86400')
    .end();
}

/**
 * Routes are registered from config at bootstrap (the paths depend on PUBLIC_URL's path), so this is a
 * plain handler factory rather than a decorated controller.
 */
export function discoveryHandlers(documents: DiscoveryDocuments) {
  return {
    authorizationServer: (req: Request, res: Response) =>
      req.method === 'OPTIONS' ? sendPreflight(res) : sendDocument(res, documents.authorizationServer()),
    protectedResource: (req: Request, res: Response) =>
      req.method === 'OPTIONS' ? sendPreflight(res) : sendDocument(res, documents.protectedResource()),
  };
}
