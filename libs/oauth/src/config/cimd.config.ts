import { Transform } from 'class-transformer';
import { IsBooleanString, IsOptional, Matches } from 'class-validator';
import { blankToUndefined, defineConfigSlice, list, type AppConfig } from '@app/config';

/** Client ID Metadata Documents (URL client ids). */
export class CimdEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*\*?\.?[a-z0-9-]+(\.[a-z0-9-]+)*(\s*,\s*\*?\.?[a-z0-9-]+(\.[a-z0-9-]+)*)*\s*$/i, {
    message: 'CIMD_ALLOWED_HOSTS must be a comma list of host suffixes such as example.com,apps.example.org',
  })
  CIMD_ALLOWED_HOSTS?: string;

  @IsOptional()
  @IsBooleanString({ message: 'CIMD_ALLOW_INSECURE_LOCALHOST must be true or false' })
  CIMD_ALLOW_INSECURE_LOCALHOST?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /** Client ID Metadata Documents. */
    readonly cimd: {
      /** CIMD_ALLOWED_HOSTS: host suffixes of known client publishers (others are shown as unverified). */
      readonly allowedHosts: readonly string[];
      /** Development only: fetch documents over http from loopback hosts (never in production). */
      readonly allowInsecureLocalhost: boolean;
    };
  }
}

export const CIMD_CONFIG = defineConfigSlice({
  schema: CimdEnvironment,
  variables: {
    CIMD_ALLOWED_HOSTS: {
      meaning:
        'host suffixes (comma list) of known publishers of URL client ids (metadata documents): those are shown as verified on the consent page, others as not verified',
      default: 'unset (all shown as not verified)',
    },
    CIMD_ALLOW_INSECURE_LOCALHOST: {
      meaning:
        'development/tests only: fetch client metadata documents from `localhost` over `http://` or self-signed https; refused when `NODE_ENV=production`',
      default: '`false`',
    },
  },
  check: (env, core) =>
    core.isProduction && env.CIMD_ALLOW_INSECURE_LOCALHOST === 'true'
      ? [
          'CIMD_ALLOW_INSECURE_LOCALHOST=true is refused when NODE_ENV=production; it lets client metadata be fetched from this machine over http',
        ]
      : [],
  map: (env): Pick<AppConfig, 'cimd'> => ({
    cimd: {
      allowedHosts: list(env.CIMD_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      allowInsecureLocalhost: env.CIMD_ALLOW_INSECURE_LOCALHOST === 'true',
    },
  }),
});
