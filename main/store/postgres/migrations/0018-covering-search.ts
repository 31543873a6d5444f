/**
 * The type-ahead's indexes carry the user's id (INCLUDE), so each range it reads in name or
 * email order is an index-only scan: a keystroke touches no table pages but the page it shows,
 * also where more users than fit in memory make the table's pages slow to reach.
 */
export const sql = `
CREATE INDEX users_status_name_id ON users (status, name_key, email_key) INCLUDE (id);
DROP INDEX users_status_name;
CREATE INDEX users_status_email_id ON users (status, email_key, name_key) INCLUDE (id);
DROP INDEX users_status_email;
CREATE INDEX user_name_words_status_id ON user_name_words (status, word, name_key, email_key) INCLUDE (user_id);
DROP INDEX user_name_words_status;
`;
