import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UserIdentityEntity } from '../entities/user-identity.entity';
import { UserEntity } from '../entities/user.entity';

/** The only code that touches users and user_identities. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  findIdentity(
    manager: EntityManager,
    key: { provider: string; issuer: string; subject: string },
  ): Promise<UserIdentityEntity | null> {
    return manager.getRepository(UserIdentityEntity).findOne({ where: key, relations: { user: true } });
  }

  /** Users whose email is the given address AND verified (the only ones eligible for linking). */
  findByVerifiedEmail(manager: EntityManager, email: string): Promise<UserEntity[]> {
    return manager.getRepository(UserEntity).find({ where: { email, emailVerified: true }, take: 2 });
  }

  async hasIdentityFrom(
    manager: EntityManager,
    userId: string,
    provider: string,
    issuer: string,
  ): Promise<boolean> {
    return manager.getRepository(UserIdentityEntity).exists({ where: { userId, provider, issuer } });
  }

  async insertUser(manager: EntityManager, user: Omit<UserEntity, 'createdAt' | 'updatedAt'>): Promise<void> {
    await manager.getRepository(UserEntity).insert(user);
  }

  async updateUser(
    manager: EntityManager,
    id: string,
    changes: Partial<
      Pick<UserEntity, 'email' | 'emailVerified' | 'displayName' | 'avatarUrl' | 'lastSignInAt'>
    >,
  ): Promise<void> {
    await manager.getRepository(UserEntity).update({ id }, { ...changes, updatedAt: new Date() });
  }

  async insertIdentity(
    manager: EntityManager,
    identity: Omit<UserIdentityEntity, 'createdAt' | 'user'>,
  ): Promise<void> {
    await manager.getRepository(UserIdentityEntity).insert(identity);
  }

  async updateIdentity(
    manager: EntityManager,
    id: string,
    changes: Partial<Pick<UserIdentityEntity, 'username' | 'email' | 'emailVerified' | 'lastSignInAt'>>,
  ): Promise<void> {
    await manager.getRepository(UserIdentityEntity).update({ id }, changes);
  }

  /** Returns whether the user exists. */
  async setDisabled(manager: EntityManager, id: string, disabled: boolean): Promise<boolean> {
    const result = await manager
      .getRepository(UserEntity)
      .update({ id }, { disabled, updatedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  findUser(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOne({ where: { id } });
  }

  /** Identities of one user (owner-scoped). */
  identitiesOf(userId: string): Promise<UserIdentityEntity[]> {
    return this.dataSource
      .getRepository(UserIdentityEntity)
      .find({ where: { userId }, order: { createdAt: 'ASC' } });
  }
}
