import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { IDENTITY_PROVIDERS, type IdentityProvider } from './identity-provider';
import type { IdentityProviderDefinition } from './identity-provider-definition';
import { SIGN_IN_PROVIDER_METADATA } from './sign-in-provider.decorator';

/** A key is a URL segment (`/auth/<key>`) and fits the `provider` column (varchar 32). */
const PROVIDER_KEY = /^[a-z][a-z0-9-]{0,31}$/;
/** Taken by the dev login (`POST /auth/dev`, provider `dev`) and the email link (`/auth/email`). */
const RESERVED_KEYS = new Set(['dev', 'email']);

/**
 * The enabled upstream providers, in the order the sign-in page lists them: the built-in ones
 * (IDENTITY_PROVIDER_DEFINITIONS), then every `@SignInProvider()` definition found in the app's
 * modules. Collected once, when the first caller asks or at module init at the latest, so a
 * misdeclared provider (bad or duplicate key) stops the boot.
 */
@Injectable()
export class IdentityProviderRegistry implements OnModuleInit {
  private readonly logger = new Logger('IdentityProviders');
  private loaded:
    { list: readonly IdentityProvider[]; byKey: ReadonlyMap<string, IdentityProvider> } | undefined;

  constructor(
    @Inject(IDENTITY_PROVIDERS) private readonly builtIn: readonly IdentityProvider[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const { list } = this.load();
    this.logger.log(`sign-in providers: ${list.map((p) => p.key).join(', ') || 'none'}`);
  }

  all(): readonly IdentityProvider[] {
    return this.load().list;
  }

  get(key: string): IdentityProvider | undefined {
    return this.load().byKey.get(key);
  }

  private load(): NonNullable<IdentityProviderRegistry['loaded']> {
    if (this.loaded) return this.loaded;
    const list: IdentityProvider[] = [...this.builtIn];
    for (const definition of this.discovered()) {
      const provider = definition.create(this.config);
      if (!provider) continue;
      if (provider.key !== definition.key) {
        throw new Error(
          `Sign-in provider ${definition.key}: create() returned a provider keyed ${provider.key}`,
        );
      }
      list.push(provider);
    }
    const byKey = new Map<string, IdentityProvider>();
    for (const provider of list) {
      if (!PROVIDER_KEY.test(provider.key) || RESERVED_KEYS.has(provider.key)) {
        throw new Error(
          `Sign-in provider key "${provider.key}" must be 1-32 of a-z 0-9 - starting with a letter, and not "dev" or "email"`,
        );
      }
      if (byKey.has(provider.key)) throw new Error(`Two sign-in providers use the key "${provider.key}"`);
      byKey.set(provider.key, provider);
    }
    this.loaded = { list, byKey };
    return this.loaded;
  }

  /** Instances of `@SignInProvider()` classes from every module of the app. */
  private discovered(): IdentityProviderDefinition[] {
    const out: IdentityProviderDefinition[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype;
      if (typeof metatype !== 'function' || wrapper.inject) continue;
      if (!this.reflector.get<boolean | undefined>(SIGN_IN_PROVIDER_METADATA, metatype)) continue;
      const instance = wrapper.instance as Partial<IdentityProviderDefinition> | undefined;
      if (!instance || typeof instance.key !== 'string' || typeof instance.create !== 'function') {
        throw new Error(
          `@SignInProvider() class ${metatype.name} must be a singleton IdentityProviderDefinition (key + create())`,
        );
      }
      out.push(instance as IdentityProviderDefinition);
    }
    return out;
  }
}
