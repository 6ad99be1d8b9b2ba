/**
 * A small browser-like HTTP client for end-to-end tests: a cookie jar (per host), manual redirects,
 * form posts, and a helper to read a page's forms. It behaves like a user agent that follows
 * redirects on the server's own origin and stops at the first redirect elsewhere (e.g. a client's
 * redirect_uri), returning that location.
 */
export interface FollowResult {
  /** The last response that was not a followed redirect. */
  response: Response;
  /** Body text of that response (already read). */
  text: string;
  /** URL that response came from. */
  url: string;
  /** When the chain stopped at a redirect to another origin (or a non-http scheme): its target. */
  externalRedirect?: string;
}

export interface RequestOptions {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
}

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export interface ParsedForm {
  action: string;
  method: string;
  fields: Record<string, string>;
  /** Names and values of submit buttons (e.g. { decision: 'allow' }). */
  buttons: { name: string; value: string }[];
}

/** Every <form> of a page with its hidden/text inputs and submit buttons. */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (const match of html.matchAll(formRe)) {
    const attrs = match[1];
    const inner = match[2];
    const attr = (src: string, name: string) => {
      const m = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(src);
      return m ? decodeEntities(m[1]) : undefined;
    };
    const fields: Record<string, string> = {};
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attr(input[1], 'name');
      const type = (attr(input[1], 'type') ?? 'text').toLowerCase();
      if (name && type !== 'submit' && type !== 'button') fields[name] = attr(input[1], 'value') ?? '';
    }
    const buttons: { name: string; value: string }[] = [];
    for (const button of inner.matchAll(/<button\b([^>]*)>/gi)) {
      const name = attr(button[1], 'name');
      if (name) buttons.push({ name, value: attr(button[1], 'value') ?? '' });
    }
    forms.push({
      action: attr(attrs, 'action') ?? '',
      method: (attr(attrs, 'method') ?? 'get').toUpperCase(),
      fields,
      buttons,
    });
  }
  return forms;
}

export class HttpSession {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(readonly baseUrl: string) {}

  /** Value of a cookie stored for the base URL's host. */
  cookie(name: string): string | undefined {
    return this.jar.get(new URL(this.baseUrl).host)?.get(name);
  }

  cookieNames(): string[] {
    return [...(this.jar.get(new URL(this.baseUrl).host)?.keys() ?? [])];
  }

  setCookie(name: string, value: string): void {
    const host = new URL(this.baseUrl).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  clearCookies(): void {
    this.jar.clear();
  }

  /** One request, no redirect following. */
  async request(pathOrUrl: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(pathOrUrl, this.baseUrl);
    const headers: Record<string, string> = { ...options.headers };
    const cookies = this.jar.get(url.host);
    if (cookies && cookies.size > 0) {
      headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(url, {
      method: options.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.store(url, response);
    return response;
  }

  /** Request, then follow redirects on the same origin (GET), stopping at the first external one. */
  async follow(pathOrUrl: string, options: RequestOptions = {}, maxRedirects = 10): Promise<FollowResult> {
    let url = new URL(pathOrUrl, this.baseUrl).toString();
    let response = await this.request(url, options);
    for (let i = 0; i < maxRedirects; i++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      const next = new URL(location, url);
      if (next.origin !== new URL(this.baseUrl).origin) {
        await response.text();
        return { response, text: '', url, externalRedirect: next.toString() };
      }
      await response.text();
      url = next.toString();
      response = await this.request(url);
    }
    return { response, text: await response.text(), url };
  }

  /** Submits a parsed form as a browser would (optionally pressing a named button). */
  async submit(
    form: ParsedForm,
    pageUrl: string,
    overrides: Record<string, string> = {},
  ): Promise<FollowResult> {
    const action = new URL(form.action || pageUrl, pageUrl).toString();
    const fields = { ...form.fields, ...overrides };
    if (form.method === 'GET') {
      const target = new URL(action);
      for (const [k, v] of Object.entries(fields)) target.searchParams.set(k, v);
      return this.follow(target.toString());
    }
    return this.follow(action, { method: 'POST', form: fields });
  }

  private store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (!this.jar.has(url.host)) this.jar.set(url.host, new Map());
      const cookies = this.jar.get(url.host)!;
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }
}
