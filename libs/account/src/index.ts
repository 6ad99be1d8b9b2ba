export { AccountModule } from './account.module';
export { ADMIN_CONFIG } from './admin.config';
