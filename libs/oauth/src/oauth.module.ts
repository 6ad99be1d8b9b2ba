import { Global, Module } from '@nestjs/common';

/** The authorization server. Global so its exported ports reach resource servers and sign-in pages. */
@Global()
@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class OAuthModule {}
