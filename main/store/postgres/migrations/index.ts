import { sql as m0001 } from './0001-initial.ts';
import { sql as m0002 } from './0002-operator-user.ts';

/** Numbered migrations; entry i is version i + 1 in schema_migrations. Append only. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001-initial', sql: m0001 },
  { version: 2, name: '0002-operator-user', sql: m0002 },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
