import { sql as m0001 } from './0001-initial.ts';
import { sql as m0002 } from './0002-user-search.ts';
import { sql as m0003 } from './0003-operator-user.ts';

/** Numbered migrations; index i brings user_version from i to i+1. Append only. */
export const MIGRATIONS: readonly string[] = [m0001, m0002, m0003];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
