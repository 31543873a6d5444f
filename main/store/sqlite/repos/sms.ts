import type { SmsPurpose, SmsRecord } from '../../records.ts';
import type { SmsRepo } from '../../repos/sms.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteSms implements SmsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(userId: number): Promise<SmsRecord | null> {
    this.s.read();
    const r = this.s.stmt('SELECT phone, verified, purpose FROM sms_factors WHERE user_id = ?').get(userId) as { phone: string; verified: number; purpose: SmsPurpose } | undefined;
    return r ? { phone: r.phone, verified: r.verified === 1, purpose: r.purpose } : null;
  }

  async set(userId: number, sms: { phone: string; purpose: SmsPurpose; verified: boolean }, now: number): Promise<void> {
    this.s.write();
    this.s
      .stmt('INSERT INTO sms_factors (user_id, phone, verified, purpose, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, verified = excluded.verified, purpose = excluded.purpose')
      .run(userId, sms.phone, sms.verified ? 1 : 0, sms.purpose, now);
  }

  async remove(userId: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('DELETE FROM sms_factors WHERE user_id = ?').run(userId).changes > 0;
  }
}
