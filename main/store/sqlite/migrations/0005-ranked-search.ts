/**
 * Indexes for the ranked type-ahead (user-search.ts), where each rank lists active users before
 * disabled ones, then by name:
 * - users_status_name walks one status's users in (name, email) order over a name range;
 * - users_status_email reads one status's email-prefix range (it replaces users_email_name);
 * - user_name_words gains a copy of the user's status, second in its key (word, status,
 *   name_key, email_key, user_id), so one word's users of one status come out in name order
 *   straight from the index. The users repository keeps the copy in step. Rows are carried over.
 * users_name_key stays: the match count reads name ranges across both statuses.
 */
export const sql = `
CREATE INDEX users_status_name ON users(status, name_key, email_key);
CREATE INDEX users_status_email ON users(status, email_key, name_key);
DROP INDEX users_email_name;

CREATE TABLE user_name_words_v3 (
  word TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  name_key TEXT NOT NULL,
  email_key TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (word, status, name_key, email_key, user_id)
) STRICT, WITHOUT ROWID;
INSERT INTO user_name_words_v3 (word, status, name_key, email_key, user_id)
  SELECT w.word, u.status, w.name_key, w.email_key, w.user_id FROM user_name_words w JOIN users u ON u.id = w.user_id;
DROP TABLE user_name_words;
ALTER TABLE user_name_words_v3 RENAME TO user_name_words;
CREATE INDEX user_name_words_user ON user_name_words(user_id);
`;
