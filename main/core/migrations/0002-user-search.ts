/**
 * Indexes for the user type-ahead (user-search.ts) at a million users:
 * - users_name_key walks users in (name, email) order and answers full-name prefixes;
 * - users_email_name lets an email-prefix range be sorted by name without reading the table;
 * - user_name_words carries the user's name_key and email_key, so a word-prefix range is sorted
 *   and filtered from the word index alone (a table lookup per candidate costs ~10 µs on an
 *   encrypted page that is not cached). The writer keeps both copies in step (user-writer.ts).
 */
export const sql = `
CREATE INDEX users_name_key ON users(name_key, email_key);
CREATE INDEX users_email_name ON users(email_key, name_key);
ALTER TABLE user_name_words ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE user_name_words ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE user_name_words SET
  name_key = (SELECT u.name_key FROM users u WHERE u.id = user_name_words.user_id),
  email_key = (SELECT u.email_key FROM users u WHERE u.id = user_name_words.user_id);
`;
