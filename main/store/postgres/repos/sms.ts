import type { SmsRecord } from '../../records.ts';
import type { SmsRepo } from '../../repos/sms.ts';
import type { PgTxState } from '../tx-state.ts';

export class PgSms implements SmsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(userId: number): Promise<SmsRecord | null> {
    const r = await this.s.row<{ phone: string; verified: boolean }>('SELECT phone, verified FROM sms_factors WHERE user_id = $1', [userId]);
    return r ? { phone: r.phone, verified: r.verified } : null;
  }

  async remove(userId: number): Promise<boolean> {
    return (await this.s.change('DELETE FROM sms_factors WHERE user_id = $1', [userId])) > 0;
  }
}
