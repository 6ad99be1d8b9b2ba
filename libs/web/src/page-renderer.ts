import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import Handlebars from 'handlebars';
import { APP_CONFIG, type AppConfig } from '@app/config';

export interface PageOptions {
  /** Folder of the calling library's templates (usually `join(__dirname, 'views')`). */
  viewsDir: string;
  /** Template name without `.hbs`. */
  view: string;
  /** Text of the <title> and the page heading. */
  title: string;
  /** Variables for the template. Handlebars escapes every `{{value}}`. */
  context?: Record<string, unknown>;
  status?: number;
}

/**
 * Server-rendered pages (login, consent, errors, account) with one shared layout. Every page is
 * `Cache-Control: no-store` and may not be framed (helmet sets CSP frame-ancestors 'none' +
 * X-Frame-Options: DENY on every response).
 */
@Injectable()
export class PageRenderer {
  private readonly handlebars = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.layout = this.compile(join(__dirname, 'views', 'layout.hbs'));
  }

  renderToString(options: PageOptions): string {
    const template = this.compile(join(options.viewsDir, `${options.view}.hbs`));
    const common = { productName: this.config.productName, title: options.title };
    const body = template({ ...common, ...options.context });
    return this.layout({ ...common, body: new Handlebars.SafeString(body) });
  }

  render(res: Response, options: PageOptions): void {
    const html = this.renderToString(options);
    res
      .status(options.status ?? 200)
      .set('Cache-Control', 'no-store')
      .set('Pragma', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  private compile(path: string): Handlebars.TemplateDelegate {
    let template = this.cache.get(path);
    if (!template) {
      template = this.handlebars.compile(readFileSync(path, 'utf8'), { strict: false });
      this.cache.set(path, template);
    }
    return template;
  }
}
