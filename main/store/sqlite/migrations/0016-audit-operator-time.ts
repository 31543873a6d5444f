/**
 * The velocity limits count an operator's events since a time: by operator and time, so a check
 * reads the events of the window only, not every event the operator ever caused (a long-serving
 * agent has hundreds of thousands). As the PostgreSQL store's 0020.
 */
export const sql = `
CREATE INDEX audit_operator_at ON audit_events(operator, at);
`;
