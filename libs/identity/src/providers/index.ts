import { githubProviderDefinition } from './github.provider';
import { googleProviderDefinition } from './google.provider';
import type { IdentityProviderDefinition } from './identity-provider-definition';
import { oidcProviderDefinition } from './oidc.provider';

/**
 * Every sign-in provider the product knows, in the order the sign-in page lists them. A provider is
 * enabled when its credentials are configured. Adding one: a file with an IdentityProvider (usually a
 * PassportIdentityProvider around a Passport strategy) and its definition, plus one line here.
 */
export const IDENTITY_PROVIDER_DEFINITIONS: readonly IdentityProviderDefinition[] = [
  githubProviderDefinition,
  googleProviderDefinition,
  oidcProviderDefinition,
];
