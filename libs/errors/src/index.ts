export { NO_HEADERS, ServiceError } from './service-error';
