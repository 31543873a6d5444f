import type Database from 'better-sqlite3-multiple-ciphers';
import { sql as m0001 } from './0001-initial.ts';
import { sql as m0002 } from './0002-user-search.ts';
import { sql as m0003 } from './0003-unknown-verification.ts';
import { sql as m0004, run as r0004 } from './0004-sealed-secrets.ts';
import { sql as m0005 } from './0005-ranked-search.ts';
import { sql as m0006 } from './0006-operator-user.ts';
import { sql as m0007 } from './0007-sms-purpose.ts';
import { sql as m0008, run as r0008 } from './0008-email-identity.ts';
import { sql as m0010 } from './0010-alerts.ts';
import { sql as m0011 } from './0011-outbox-delivery.ts';
import { sql as m0012 } from './0012-approvals.ts';
import { sql as m0013 } from './0013-client-verification.ts';
import { sql as m0014 } from './0014-server-mode.ts';
import { sql as m0015 } from './0015-automation-clients.ts';
import { sql as m0016 } from './0016-audit-operator-time.ts';

/** One schema step: its SQL, then work SQL cannot do (a key, sealing), in the same transaction. */
export interface Migration {
  sql: string;
  run?: (db: Database.Database) => void;
  /**
   * The step rebuilds a table others refer to: it runs with foreign keys off (SQLite's way to
   * rebuild a table; DROP TABLE would otherwise cascade), and a foreign key check must find
   * nothing before it commits.
   */
  rebuildsTables?: true;
}

/** Numbered migrations; index i brings user_version from i to i+1. Append only. */
export const MIGRATIONS: readonly Migration[] = [{ sql: m0001 }, { sql: m0002 }, { sql: m0003 }, { sql: m0004, run: r0004 }, { sql: m0005 }, { sql: m0006 }, { sql: m0007 }, { sql: m0008, run: r0008, rebuildsTables: true }, { sql: m0010 }, { sql: m0011 }, { sql: m0012 }, { sql: m0013 }, { sql: m0014 }, { sql: m0015 }, { sql: m0016 }];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
