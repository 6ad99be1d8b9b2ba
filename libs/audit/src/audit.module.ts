import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { AuditRetention } from './audit-retention';

@Global()
@Module({ providers: [AuditLog, AuditRetention], exports: [AuditLog, AuditRetention] })
export class AuditModule {}
