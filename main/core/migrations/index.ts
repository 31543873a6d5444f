import { sql as m0001 } from './0001-initial.ts';

/** Numbered migrations; index i brings user_version from i to i+1. Append only. */
export const MIGRATIONS: readonly string[] = [m0001];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
