import type pg from 'pg';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';

/** Any constant: the advisory lock that keeps two processes from migrating at once. */
const MIGRATION_LOCK = 0x46440001;

/**
 * Brings the schema to SCHEMA_VERSION in one transaction (PostgreSQL DDL is transactional, so a
 * failed migration leaves the previous version). Refuses a database from a newer build.
 */
export async function migrate(client: pg.ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    if (current > SCHEMA_VERSION) throw new Error(`This database has schema version ${current}, newer than this build (${SCHEMA_VERSION}): update FactorDesk.`);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await m.run?.(client);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return SCHEMA_VERSION;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
