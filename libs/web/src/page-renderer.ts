import { existsSync, readFileSync } from 'node:fs';
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

/** The built-in layout; `VIEWS_DIR/layout.hbs` replaces it. */
const BUILT_IN_VIEWS = join(__dirname, 'views');
const VIEW_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Server-rendered pages (login, consent, errors, account) with one shared layout. Every page is
 * `Cache-Control: no-store` and may not be framed (helmet sets CSP frame-ancestors 'none' +
 * X-Frame-Options: DENY on every response).
 *
 * Customization (docs/guide.md "Brand the pages"): every template, the layout included, is looked up
 * first in VIEWS_DIR by its name (`<view>.hbs`) and falls back to the library's built-in one, so an
 * operator can replace any page without touching the libraries. Every template receives the branding
 * variables (productName, logoUrl, primaryColor, supportUrl, title) besides its own.
 */
@Injectable()
export class PageRenderer {
  private readonly handlebars = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly branding: Readonly<Record<string, string | undefined>>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.branding = {
      productName: config.productName,
      // Validated by libs/config: https:// (or mailto:) without quotes, spaces or brackets, and a strict
      // #hex colour, so none of them can leave its attribute or the <style> block. Escaped as well.
      logoUrl: config.branding.logoUrl,
      primaryColor: config.branding.primaryColor,
      supportUrl: config.branding.supportUrl,
    };
    // Compile the layout now so a broken override stops the boot instead of the first page.
    this.template(BUILT_IN_VIEWS, 'layout');
  }

  renderToString(options: PageOptions): string {
    const template = this.template(options.viewsDir, options.view);
    const common = { ...this.branding, title: options.title };
    const body = template({ ...common, ...options.context });
    return this.template(BUILT_IN_VIEWS, 'layout')({ ...common, body: new Handlebars.SafeString(body) });
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

  /** Where `view` is read from: VIEWS_DIR when it holds `<view>.hbs`, otherwise the built-in folder. */
  private templatePath(builtInDir: string, view: string): string {
    if (!VIEW_NAME.test(view)) throw new Error(`invalid view name ${JSON.stringify(view)}`);
    if (this.config.viewsDir) {
      const override = join(this.config.viewsDir, `${view}.hbs`);
      if (existsSync(override)) return override;
    }
    return join(builtInDir, `${view}.hbs`);
  }

  private template(builtInDir: string, view: string): Handlebars.TemplateDelegate {
    const key = `${builtInDir}\n${view}`;
    let template = this.cache.get(key);
    if (!template) {
      const path = this.templatePath(builtInDir, view);
      const source = readFileSync(path, 'utf8');
      this.handlebars.parse(source); // a syntax error surfaces here, naming the line
      template = this.handlebars.compile(source, { strict: false });
      this.cache.set(key, template);
    }
    return template;
  }
}
