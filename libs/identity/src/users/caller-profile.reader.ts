import { Injectable } from '@nestjs/common';
import type { CallerProfile, CallerProfileReader } from '@app/mcp';
import { UserRepository } from './user.repository';

/** Identity's side of mcp's CALLER_PROFILE_READER port: the profile tools may show of their caller. */
@Injectable()
export class UserProfileReader implements CallerProfileReader {
  constructor(private readonly users: UserRepository) {}

  async profile(userId: string): Promise<CallerProfile | null> {
    const user = await this.users.findUser(userId);
    return user ? { id: user.id, name: user.displayName, email: user.email } : null;
  }
}
