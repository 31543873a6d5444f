import { sql as m0001 } from './0001-initial.ts';
import { sql as m0002 } from './0002-unknown-verification.ts';
import { sql as m0003 } from './0003-server-auth.ts';
import { sql as m0004 } from './0004-signed-heads.ts';
import { sql as m0005 } from './0005-sealed-secrets.ts';
import { sql as m0006 } from './0006-radius-clients.ts';
import { sql as m0007 } from './0007-ranked-search.ts';
import { sql as m0008 } from './0008-operator-user.ts';
import { sql as m0009 } from './0009-self-enrollment.ts';
import { sql as m0010 } from './0010-sms-purpose.ts';
import { sql as m0011, run as r0011 } from './0011-email-identity.ts';
import { sql as m0013 } from './0013-alerts.ts';
import { sql as m0014 } from './0014-outbox-delivery.ts';
import { sql as m0015 } from './0015-approvals.ts';
import { sql as m0016 } from './0016-client-verification.ts';
import { sql as m0017 } from './0017-automation-clients.ts';
import { sql as m0018 } from './0018-covering-search.ts';
import { sql as m0019 } from './0019-audit-pending.ts';
import { sql as m0020 } from './0020-audit-operator-time.ts';
import type pg from 'pg';

/** Numbered migrations; entry i is version i + 1 in schema_migrations. Append only. `run` does, after the SQL and in its transaction, what SQL cannot. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string; run?: (client: pg.ClientBase) => Promise<void> }> = [
  { version: 1, name: '0001-initial', sql: m0001 },
  { version: 2, name: '0002-unknown-verification', sql: m0002 },
  { version: 3, name: '0003-server-auth', sql: m0003 },
  { version: 4, name: '0004-signed-heads', sql: m0004 },
  { version: 5, name: '0005-sealed-secrets', sql: m0005 },
  { version: 6, name: '0006-radius-clients', sql: m0006 },
  { version: 7, name: '0007-ranked-search', sql: m0007 },
  { version: 8, name: '0008-operator-user', sql: m0008 },
  { version: 9, name: '0009-self-enrollment', sql: m0009 },
  { version: 10, name: '0010-sms-purpose', sql: m0010 },
  { version: 11, name: '0011-email-identity', sql: m0011, run: r0011 },
  { version: 12, name: '0013-alerts', sql: m0013 },
  { version: 13, name: '0014-outbox-delivery', sql: m0014 },
  { version: 14, name: '0015-approvals', sql: m0015 },
  { version: 15, name: '0016-client-verification', sql: m0016 },
  { version: 16, name: '0017-automation-clients', sql: m0017 },
  { version: 17, name: '0018-covering-search', sql: m0018 },
  { version: 18, name: '0019-audit-pending', sql: m0019 },
  { version: 19, name: '0020-audit-operator-time', sql: m0020 },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
