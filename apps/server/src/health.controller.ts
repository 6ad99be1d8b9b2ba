import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DatabaseHealthService } from '@app/persistence';
import { Lifecycle } from './lifecycle';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseHealthService,
    private readonly lifecycle: Lifecycle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process is up and its event loop turns. */
  @Get('healthz')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and all migrations are applied; 503 while draining. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<{ status: string; reason?: string }> {
    if (this.lifecycle.isDraining) {
      res.status(503);
      return { status: 'unavailable', reason: 'shutting_down' };
    }
    const health = await this.database.check();
    if (!health.ok) {
      res.status(503);
      return { status: 'unavailable', reason: health.reason };
    }
    res.status(200);
    return { status: 'ok' };
  }

  /**
   * Browsers ask for it on every page of the sign-in flow. There is no icon: 204 No Content, cacheable
   * for a day, instead of the JSON 404 (which browsers would ask for again and log as an error).
   */
  @Get('favicon.ico')
  @HttpCode(204)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): void {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  home(): string {
    const name = escapeHtml(this.config.productName);
    const base = escapeHtml(this.config.publicUrl);
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>${name}</h1>
<p>An MCP server with its own OAuth 2.1 authorization server. Connect an MCP client to
<code>${base}/mcp</code>; it discovers everything else from the documents below.</p>
<ul>
<li><a href="/.well-known/oauth-protected-resource/mcp">Protected resource metadata (RFC 9728)</a></li>
<li><a href="/.well-known/oauth-authorization-server">Authorization server metadata (RFC 8414)</a></li>
</ul>
</body></html>`;
  }
}
