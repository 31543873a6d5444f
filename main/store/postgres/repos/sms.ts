import type { SmsPurpose, SmsRecord } from '../../records.ts';
import type { SmsRepo } from '../../repos/sms.ts';
import type { PgTxState } from '../tx-state.ts';

export class PgSms implements SmsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(userId: number): Promise<SmsRecord | null> {
    const r = await this.s.row<{ phone: string; verified: boolean; purpose: SmsPurpose }>('SELECT phone, verified, purpose FROM sms_factors WHERE user_id = $1', [userId]);
    return r ? { phone: r.phone, verified: r.verified, purpose: r.purpose } : null;
  }

  async set(userId: number, sms: { phone: string; purpose: SmsPurpose; verified: boolean }, now: number): Promise<void> {
    await this.s.change(
      'INSERT INTO sms_factors (user_id, phone, verified, purpose, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, verified = excluded.verified, purpose = excluded.purpose',
      [userId, sms.phone, sms.verified, sms.purpose, now],
    );
  }

  async remove(userId: number): Promise<boolean> {
    return (await this.s.change('DELETE FROM sms_factors WHERE user_id = $1', [userId])) > 0;
  }
}
