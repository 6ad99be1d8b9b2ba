import { githubProviderDefinition } from './github.provider';
import { googleProviderDefinition } from './google.provider';
import type { IdentityProviderDefinition } from './identity-provider-definition';
import { oidcProviderDefinition } from './oidc.provider';

/**
 * The built-in sign-in providers, in the order the sign-in page lists them. A provider is enabled when
 * its credentials are configured. Adding one: a file with an IdentityProvider (usually a
 * PassportIdentityProvider around a Passport strategy) and its definition, plus one line here — or,
 * without touching this library, a `@SignInProvider()` definition class in any module the app
 * imports (IdentityProviderRegistry lists those after these; see docs/guide.md).
 */
export const IDENTITY_PROVIDER_DEFINITIONS: readonly IdentityProviderDefinition[] = [
  githubProviderDefinition,
  googleProviderDefinition,
  oidcProviderDefinition,
];
