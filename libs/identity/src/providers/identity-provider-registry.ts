import { Inject, Injectable } from '@nestjs/common';
import { IDENTITY_PROVIDERS, type IdentityProvider } from './identity-provider';

/** The enabled upstream providers, in the order the sign-in page lists them. */
@Injectable()
export class IdentityProviderRegistry {
  private readonly byKey: ReadonlyMap<string, IdentityProvider>;

  constructor(@Inject(IDENTITY_PROVIDERS) private readonly providers: readonly IdentityProvider[]) {
    this.byKey = new Map(providers.map((p) => [p.key, p]));
  }

  all(): readonly IdentityProvider[] {
    return this.providers;
  }

  get(key: string): IdentityProvider | undefined {
    return this.byKey.get(key);
  }
}
