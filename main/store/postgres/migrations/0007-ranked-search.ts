/**
 * Indexes for the ranked type-ahead (user-search.ts), where each rank lists active users before
 * disabled ones, then by name: users by (status, name) and (status, email) replace the
 * (email, name) index, and user_name_words gains a copy of the user's status (kept in step by
 * the users repository) with an index that reads one word range of one status.
 */
export const sql = `
CREATE INDEX users_status_name ON users (status, name_key, email_key);
CREATE INDEX users_status_email ON users (status, email_key, name_key);
DROP INDEX users_email_name;
ALTER TABLE user_name_words ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled'));
UPDATE user_name_words AS w SET status = u.status FROM users AS u WHERE u.id = w.user_id AND u.status <> 'active';
ALTER TABLE user_name_words ALTER COLUMN status DROP DEFAULT;
CREATE INDEX user_name_words_status ON user_name_words (status, word, name_key, email_key);
`;
