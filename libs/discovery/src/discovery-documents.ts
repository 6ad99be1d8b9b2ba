import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { SCOPE_REGISTRY, type ScopeRegistry } from '@app/oauth';
import { buildAuthorizationServerMetadata, buildProtectedResourceMetadata } from './metadata';

/**
 * The two discovery documents, built once from the validated config and the scope registry (which
 * is complete once every module has initialised, hence built on first use and then kept).
 */
@Injectable()
export class DiscoveryDocuments {
  private asMetadata?: Record<string, unknown>;
  private prMetadata?: Record<string, unknown>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
  ) {}

  authorizationServer(): Record<string, unknown> {
    return (this.asMetadata ??= Object.freeze(buildAuthorizationServerMetadata(this.config, this.scopes)));
  }

  protectedResource(): Record<string, unknown> {
    return (this.prMetadata ??= Object.freeze(buildProtectedResourceMetadata(this.config, this.scopes)));
  }
}
