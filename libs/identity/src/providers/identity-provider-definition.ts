import type { AppConfig } from '@app/config';
import type { IdentityProvider } from './identity-provider';

/** How a provider joins the product: it decides from the config whether it is enabled. */
export interface IdentityProviderDefinition {
  readonly key: string;
  /** The provider when its credentials are configured, otherwise null. */
  create(config: AppConfig): IdentityProvider | null;
}
