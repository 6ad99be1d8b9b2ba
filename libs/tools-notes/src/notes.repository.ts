import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { NoteEntity } from './note.entity';

/**
 * The only code that touches the notes table. Every method takes the owner first, so another user's
 * note is simply "not found" (docs/architecture.md C6).
 */
@Injectable()
export class NotesRepository {
  private readonly notes: Repository<NoteEntity>;

  constructor(dataSource: DataSource) {
    this.notes = dataSource.getRepository(NoteEntity);
  }

  async create(ownerId: string, note: { title: string; body: string }): Promise<NoteEntity> {
    const rows = (await this.notes
      .createQueryBuilder()
      .insert()
      .values({ id: randomUUID(), userId: ownerId, title: note.title, body: note.body })
      .returning('*')
      .execute()) as { raw: Record<string, unknown>[] };
    return toEntity(rows.raw[0]);
  }

  /** Newest first; `before` is the id of the last note of the previous page. */
  async list(ownerId: string, limit: number, before?: string): Promise<NoteEntity[]> {
    const qb = this.notes
      .createQueryBuilder('n')
      .where('n.user_id = :ownerId', { ownerId })
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .limit(limit);
    if (before) {
      qb.andWhere(
        '(n.created_at, n.id) < (SELECT p.created_at, p.id FROM notes p WHERE p.id = :before AND p.user_id = :ownerId)',
        { before },
      );
    }
    return qb.getMany();
  }

  async find(ownerId: string, id: string): Promise<NoteEntity | null> {
    return this.notes.findOneBy({ userId: ownerId, id });
  }

  /** True when the owner had this note and it is now gone. */
  async delete(ownerId: string, id: string): Promise<boolean> {
    const result = await this.notes.delete({ userId: ownerId, id });
    return (result.affected ?? 0) > 0;
  }
}

function toEntity(raw: Record<string, unknown>): NoteEntity {
  return Object.assign(new NoteEntity(), {
    id: raw.id as string,
    userId: raw.user_id as string,
    title: raw.title as string,
    body: raw.body as string,
    createdAt: raw.created_at as Date,
  });
}
