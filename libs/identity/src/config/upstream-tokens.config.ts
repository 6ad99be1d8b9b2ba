import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';
import { blankToUndefined, defineConfigSlice } from '@app/config';

/** 32 bytes as 64 hex digits or as base64 / base64url (43 or 44 characters). */
export const UPSTREAM_KEY_SHAPE = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/;
const keyMessage = (name: string) =>
  `${name} must be 32 random bytes as 64 hex digits or base64; generate one with \`openssl rand -base64 32\``;

/** The key that seals the people's upstream tokens (libs/identity's vault; UP-12). */
export class UpstreamTokensEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(UPSTREAM_KEY_SHAPE, { message: keyMessage('UPSTREAM_TOKEN_KEY') })
  UPSTREAM_TOKEN_KEY?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(UPSTREAM_KEY_SHAPE, { message: keyMessage('UPSTREAM_TOKEN_KEY_PREVIOUS') })
  UPSTREAM_TOKEN_KEY_PREVIOUS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /**
     * UPSTREAM_TOKEN_KEY and UPSTREAM_TOKEN_KEY_PREVIOUS as 64 hex digits each. `current` is undefined
     * when unset: the vault then derives a development key or, in production, refuses to boot when a
     * tool needs upstream tokens.
     */
    readonly upstreamTokenKeys: {
      readonly current: string | undefined;
      readonly previous: readonly string[];
    };
  }
}

const hex = (key: string) =>
  /^[0-9a-fA-F]{64}$/.test(key) ? key.toLowerCase() : Buffer.from(key, 'base64').toString('hex');

export const UPSTREAM_TOKEN_CONFIG = defineConfigSlice({
  schema: UpstreamTokensEnvironment,
  variables: {
    UPSTREAM_TOKEN_KEY: {
      meaning:
        "AES-256-GCM key that encrypts the people's upstream tokens kept for tools ([upstream-tokens.md](upstream-tokens.md)); required in production when a tool uses an upstream API",
      default: 'derived from `SESSION_SECRET` outside production',
    },
    UPSTREAM_TOKEN_KEY_PREVIOUS: {
      meaning:
        'the former `UPSTREAM_TOKEN_KEY` during a rollover: still opens stored tokens, never used to encrypt (see [upstream-tokens.md](upstream-tokens.md#rotating-the-key))',
      default: 'unset',
    },
  },
  check: (env) =>
    env.UPSTREAM_TOKEN_KEY_PREVIOUS && !env.UPSTREAM_TOKEN_KEY
      ? ['UPSTREAM_TOKEN_KEY_PREVIOUS needs UPSTREAM_TOKEN_KEY (the new key) to be set as well']
      : [],
  map: (env) => {
    const current = env.UPSTREAM_TOKEN_KEY ? hex(env.UPSTREAM_TOKEN_KEY) : undefined;
    const previous = env.UPSTREAM_TOKEN_KEY_PREVIOUS ? hex(env.UPSTREAM_TOKEN_KEY_PREVIOUS) : undefined;
    return {
      upstreamTokenKeys: { current, previous: previous && previous !== current ? [previous] : [] },
    };
  },
});
