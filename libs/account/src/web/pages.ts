import { join } from 'node:path';

export const ACCOUNT_VIEWS = join(__dirname, '..', 'views');

/** A local path back to a page after sign-in (always one of ours, never taken from input). */
export const loginRedirect = (returnTo: string) => `/login?return_to=${encodeURIComponent(returnTo)}`;

const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** "26 Nov 2026, 05:40 UTC"; the page works without JavaScript, so times are shown in UTC. */
export function formatTime(date: Date | string | null): string | null {
  if (date === null) return null;
  return `${dateTime.format(new Date(date))} UTC`;
}

export const isoTime = (date: Date | string | null) => (date === null ? null : new Date(date).toISOString());
