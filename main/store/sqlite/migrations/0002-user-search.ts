/**
 * Indexes for the user type-ahead (user-search.ts) at a million users:
 * - users_name_key walks users in (name, email) order and answers whole-name prefixes;
 * - users_email_name sorts an email-prefix range by name without reading the table;
 * - user_name_words is keyed (word, name_key, email_key, user_id): `word` is the rest of the
 *   folded name from the start of a later word ("nordmann" for "kari nordmann"), and the keys
 *   copied from users let one word's users come out in name order straight from the index,
 *   with no table lookup (~10 µs each on an encrypted page that is not cached). The writer
 *   (user-writer.ts) keeps the copies in step. Rows of schema 1 are carried over.
 */
export const sql = `
CREATE INDEX users_name_key ON users(name_key, email_key);
CREATE INDEX users_email_name ON users(email_key, name_key);

CREATE TABLE user_name_words_v2 (
  word TEXT NOT NULL,
  name_key TEXT NOT NULL,
  email_key TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (word, name_key, email_key, user_id)
) STRICT, WITHOUT ROWID;
INSERT INTO user_name_words_v2 (word, name_key, email_key, user_id)
  SELECT w.word, u.name_key, u.email_key, w.user_id FROM user_name_words w JOIN users u ON u.id = w.user_id;
DROP TABLE user_name_words;
ALTER TABLE user_name_words_v2 RENAME TO user_name_words;
CREATE INDEX user_name_words_user ON user_name_words(user_id);
`;
