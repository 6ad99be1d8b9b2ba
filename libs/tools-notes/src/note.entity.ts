import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One note of one user. Owned by ToolsNotesModule: only NotesRepository touches this table. */
@Entity({ name: 'notes' })
@Index('IDX_notes_user_created', ['userId', 'createdAt'])
export class NoteEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_notes' })
  id: string;

  /** The owner (users.id, the token `sub`). Every query filters on it. */
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'text', default: '' })
  body: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
