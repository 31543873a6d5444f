/**
 * An SMS factor says what it may be used for: sign-in only ('login', what every existing factor
 * is), or sign-in and approving payments ('approvals'), as the user import's sms_purpose gives it.
 */
export const sql = `
ALTER TABLE sms_factors ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'approvals'));
`;
