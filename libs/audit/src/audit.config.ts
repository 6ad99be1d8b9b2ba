import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineConfigSlice, toInt, type AppConfig } from '@app/config';

/** How long the audit trail is kept. */
export class AuditEnvironment {
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500' })
  @Min(0, { message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500' })
  @Max(36500, {
    message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500',
  })
  AUDIT_RETENTION_DAYS?: number;
}

declare module '@app/config' {
  interface AppConfig {
    /** Audit events older than this many days are deleted by the periodic cleanup; 0 keeps them forever. */
    readonly auditRetentionDays: number;
  }
}

export const AUDIT_CONFIG = defineConfigSlice({
  schema: AuditEnvironment,
  variables: {
    AUDIT_RETENTION_DAYS: {
      meaning:
        'audit events older than this many days are deleted by the periodic cleanup; `0` keeps them forever',
      default: '`365`',
    },
  },
  map: (env): Pick<AppConfig, 'auditRetentionDays'> => ({
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 365,
  }),
});
