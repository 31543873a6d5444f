/**
 * Each operator may be linked to their own directory user (user_id): the own-account rule
 * compares the target with that user as well as with the operator's work email. Existing
 * operators start unlinked (NULL) and are warned at sign-in until an admin links them.
 */
export const sql = `
ALTER TABLE operators ADD COLUMN user_id INTEGER REFERENCES users(id);
`;
