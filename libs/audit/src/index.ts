import { AuditEventEntity } from './audit-event.entity';
import { CreateAuditEvents1764000000000 } from './migrations/1764000000000-CreateAuditEvents';

export { AuditModule } from './audit.module';
export { AuditLog, auditInsertSql, type AuditEventExpressions, type AuditRecord } from './audit-log';
export { AuditEventEntity } from './audit-event.entity';
export { AuditRetention, type AuditPurgeOptions } from './audit-retention';
export const AUDIT_ENTITIES = [AuditEventEntity];
export const AUDIT_MIGRATIONS = [CreateAuditEvents1764000000000];
export { AUDIT_CONFIG } from './audit.config';
