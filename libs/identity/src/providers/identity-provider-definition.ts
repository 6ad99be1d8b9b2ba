import type { AppConfig } from '@app/config';
import type { IdentityProvider } from './identity-provider';

/** What the app's tools need from a provider's API (@UsesUpstream), for its sign-in request. */
export interface UpstreamSignInNeeds {
  /** Extra upstream scopes to ask for at sign-in (UP-11). */
  readonly scopes: readonly string[];
  /** Whether the sign-in keeps the provider's tokens for the vault (only when a tool needs them). */
  readonly keepTokens: boolean;
}

/** How a provider joins the product: it decides from the config whether it is enabled. */
export interface IdentityProviderDefinition {
  readonly key: string;
  /** The provider when its credentials are configured, otherwise null. */
  create(config: AppConfig, upstream?: UpstreamSignInNeeds): IdentityProvider | null;
}
