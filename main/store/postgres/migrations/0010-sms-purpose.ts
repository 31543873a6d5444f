/** An SMS factor says what it may be used for (as 0007 in the vault): 'login' only, or 'approvals' too. */
export const sql = `
ALTER TABLE sms_factors ADD COLUMN purpose text NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'approvals'));
`;
