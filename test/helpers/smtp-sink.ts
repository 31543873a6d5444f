// A local SMTP sink for tests: smtp-server on 127.0.0.1 (a random port) that keeps every message
// it was sent, can refuse the next few (451, as a relay that is down for a moment would), and can
// ask for a user and password. Messages are decoded just enough to read headers and the text.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** One message the sink saw (accepted or refused). */
export interface SinkMessage {
  accepted: boolean;
  raw: string;
  /** The headers, names lower-cased (unfolded). */
  headers: Record<string, string>;
  /** The text part, quoted-printable and base64 decoded. */
  text: string;
  to: string[];
}

export interface SmtpSink {
  port: number;
  /** Everything sent, accepted or not, in order. */
  seen: SinkMessage[];
  accepted(): SinkMessage[];
  /** Refuses the next `n` messages with 451. */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const flat = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < flat.length; i++) {
    const m = flat[i] === '=' ? /^[0-9A-F]{2}$/i.exec(flat.slice(i + 1, i + 3)) : null;
    if (m) {
      bytes.push(parseInt(m[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(flat[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes RFC 2047 encoded words (the subject of a non-ASCII message). */
function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) => (enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' '))));
}

export function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const cte = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const text = cte === 'quoted-printable' ? decodeQuotedPrintable(body) : cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { headers, text };
}

/** Starts a sink; with `auth` it wants that user and password (over plain SMTP, as a test relay). */
export async function startSmtpSink(opts: { auth?: { user: string; password: string }; startTls?: false } = {}): Promise<SmtpSink> {
  const seen: SinkMessage[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const accepted = refuse === 0;
        if (!accepted) refuse--;
        seen.push({ accepted, raw, ...parseMessage(raw), to: session.envelope.rcptTo.map((r) => r.address) });
        if (accepted) cb();
        else cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    seen,
    accepted: () => seen.filter((m) => m.accepted),
    refuseNext(n) {
      refuse = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
