import { SetMetadata } from '@nestjs/common';

export const SIGN_IN_PROVIDER_METADATA = 'identity:sign-in-provider';

/**
 * Marks a Nest provider class as an IdentityProviderDefinition to add to the sign-in page. The class
 * lives in any module the app imports (like a tool module); IdentityModule finds it at boot through
 * Nest's DiscoveryService, so adding a provider touches no file of libs/identity:
 *
 * ```ts
 * @SignInProvider()
 * @Injectable()
 * export class GitlabSignIn implements IdentityProviderDefinition {
 *   readonly key = 'gitlab';
 *   create(config: AppConfig) { return new GitlabIdentityProvider(config); }
 * }
 * ```
 */
export const SignInProvider = (): ClassDecorator => SetMetadata(SIGN_IN_PROVIDER_METADATA, true);
