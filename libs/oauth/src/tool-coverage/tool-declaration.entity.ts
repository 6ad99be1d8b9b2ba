import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every tool declaration this deployment has served, with when a replica first booted with it
 * (EXT-RC-05). The earliest rows are the declarations in service when consent started recording
 * tools: what a consent or grant stored before then covers.
 */
@Entity({ name: 'oauth_tool_declarations' })
export class ToolDeclarationEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'PK_oauth_tool_declarations' })
  name: string;

  /** The declaration digest (SHA-256, base64url; EXT-RC-02). */
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_oauth_tool_declarations' })
  digest: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;
}
