import type { AppConfig } from '@app/config';

/** Where a provider's API and token endpoint are, and how this server authenticates to them. */
export interface UpstreamEndpoint {
  readonly provider: string;
  readonly displayName: string;
  /** The API base the tools' paths are resolved against (no trailing slash). */
  readonly apiBaseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Headers every API call carries unless the tool sets them. */
  readonly defaultHeaders: Readonly<Record<string, string>>;
}

/** Google's REST APIs (Drive, Calendar, Gmail …) share this base. */
export const GOOGLE_API_BASE_URL = 'https://www.googleapis.com';

/**
 * The providers whose APIs tools may call, from the validated config: GitHub (with GitHub Enterprise
 * Server, GITHUB_API_URL is https://<host>/api/v3) and Google. The generic OIDC provider has no API.
 */
export function upstreamEndpoints(config: AppConfig): ReadonlyMap<string, UpstreamEndpoint> {
  const out = new Map<string, UpstreamEndpoint>();
  const { github, google } = config.providers;
  if (github) {
    out.set('github', {
      provider: 'github',
      displayName: 'GitHub',
      apiBaseUrl: github.apiUrl,
      tokenUrl: github.tokenUrl,
      clientId: github.clientId,
      clientSecret: github.clientSecret,
      defaultHeaders: { accept: 'application/vnd.github+json', 'user-agent': 'mcp-auth-server' },
    });
  }
  if (google) {
    out.set('google', {
      provider: 'google',
      displayName: 'Google',
      apiBaseUrl: GOOGLE_API_BASE_URL,
      tokenUrl: google.tokenUrl,
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      defaultHeaders: { accept: 'application/json' },
    });
  }
  return out;
}

/** The configuration a provider needs before tools can use it, for the boot message. */
export function howToConfigure(provider: string): string {
  if (provider === 'github') return 'set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET';
  if (provider === 'google') return 'set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET';
  return 'only github and google have APIs tools can call';
}
