import { Injectable } from '@nestjs/common';
import { AuthorizeService } from './authorize/authorize.service';
import type { PendingAuthorizationDescriber } from './ports/pending-authorization';

/** Tells the sign-in page which application a pending authorization request is for. */
@Injectable()
export class PendingAuthorizationDescriberService implements PendingAuthorizationDescriber {
  constructor(private readonly authorize: AuthorizeService) {}

  describe(returnTo: string): Promise<{ clientName: string } | null> {
    return this.authorize.describeContinueUrl(returnTo);
  }
}
