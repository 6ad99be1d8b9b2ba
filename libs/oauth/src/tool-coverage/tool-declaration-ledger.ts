import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction } from '@app/persistence';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import type { ToolBaseline } from './tool-coverage';

/** pg_advisory_xact_lock key of the boot-time upsert (any fixed bigint; "tooldecl" in ASCII). */
const LEDGER_LOCK_KEY = '8390047142146040684';

/**
 * Marks the boot that wrote the first rows, so the baseline is that boot even when it served no tool
 * at all. Tool names are 1–128 characters (MCP tools §Tool Names), so no tool is called ''.
 */
const FIRST_BOOT_MARK = { name: '', digest: '' };

const key = (name: string, digest: string) => `${name}\n${digest}`;

/**
 * EXT-RC-05: every replica adds the tool declarations it serves to `oauth_tool_declarations` at boot
 * (one statement under a transaction lock, so the first boot's rows share one timestamp), then reads
 * the baseline: the rows of the first boot that recorded any, i.e. the declarations in service when
 * consents and grants started recording their tools. A consent or grant recorded before (NULL, or a
 * scope without an entry) covers exactly those. The baseline never changes afterwards, so it is read
 * once and held in memory; tools/call checks it without a query.
 */
@Injectable()
export class ToolDeclarationLedger implements ToolBaseline, OnModuleInit {
  private readonly logger = new Logger('ToolDeclarations');
  private baseline: ReadonlySet<string> = new Set();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SCOPE_REGISTRY) private readonly registry: ScopeRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.record();
  }

  has(name: string, digest: string): boolean {
    return this.baseline.has(key(name, digest));
  }

  /** Upserts this replica's declarations and reloads the baseline. */
  async record(): Promise<void> {
    const declared = [FIRST_BOOT_MARK, ...this.registry.toolDeclarations()];
    const rows = await inTransaction(this.dataSource, async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [LEDGER_LOCK_KEY]);
      const inserted = await manager.query<{ name: string }[]>(
        `INSERT INTO oauth_tool_declarations (name, digest)
         SELECT * FROM unnest($1::varchar[], $2::varchar[])
         ON CONFLICT (name, digest) DO NOTHING RETURNING name`,
        [declared.map((d) => d.name), declared.map((d) => d.digest)],
      );
      const named = inserted.filter((r) => r.name !== '');
      if (named.length > 0) {
        this.logger.log(`new tool declarations: ${named.map((r) => r.name).join(', ')}`);
      }
      return manager.query<{ name: string; digest: string }[]>(
        `SELECT name, digest FROM oauth_tool_declarations
          WHERE first_seen_at = (SELECT min(first_seen_at) FROM oauth_tool_declarations)`,
      );
    });
    this.baseline = new Set(rows.filter((r) => r.name !== '').map((r) => key(r.name, r.digest)));
  }
}
