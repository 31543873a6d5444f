import type { SmsRecord } from '../../records.ts';
import type { SmsRepo } from '../../repos/sms.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteSms implements SmsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(userId: number): Promise<SmsRecord | null> {
    this.s.read();
    const r = this.s.stmt('SELECT phone, verified FROM sms_factors WHERE user_id = ?').get(userId) as { phone: string; verified: number } | undefined;
    return r ? { phone: r.phone, verified: r.verified === 1 } : null;
  }

  async remove(userId: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('DELETE FROM sms_factors WHERE user_id = ?').run(userId).changes > 0;
  }
}
