/** Each operator may be linked to their own directory user (as 0003 in the vault). */
export const sql = `
ALTER TABLE operators ADD COLUMN user_id bigint REFERENCES users(id);
`;
