// RADIUS packets against the examples of RFC 2865 §7 (PAP and CHAP requests, the Access-Accept
// with its Response Authenticator), our own round trips with Message-Authenticator (RFC 3579),
// and random, truncated and mangled datagrams, none of which may make the decoder throw.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATTR,
  CODE,
  attribute,
  checkMessageAuthenticator,
  decodePacket,
  encodeAccessRequest,
  encodePacket,
  encodeResponse,
  hidePassword,
  messageAuthenticator,
  responseAuthenticator,
  unhidePassword,
  verifyResponse,
} from '../../main/server/radius/packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SECRET = Buffer.from('xyzzy5461');
// RFC 2865 §7.1: nemo, "arctangent", from a NAS at 192.168.1.16 port 3.
const RFC_REQUEST = hex(`01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d
  93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8
  01 10 05 06 00 00 00 03`);
const RFC_REQUEST_AUTH = hex('0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a');
const RFC_HIDDEN = hex('0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee');
// RFC 2865 §7.1: the Access-Accept (Service-Type Login, Login-Service Telnet, Login-IP-Host 192.168.1.3).
const RFC_ACCEPT = hex(`02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00
  0e 06 c0 a8 01 03`);
// RFC 2865 §7.2: flopsy with CHAP.
const RFC_CHAP = hex(`01 01 00 47 2a ee 86 f0 8d 0d 55 96 9c a5 97 8e
  0d 33 67 a2 01 08 66 6c 6f 70 73 79 03 13 16 e9
  75 57 c3 16 18 58 95 f2 93 ff 63 44 07 72 75 04
  06 c0 a8 01 10 05 06 00 00 00 14 06 06 00 00 00
  02 07 06 00 00 00 01`);

describe('RFC 2865 §7.1 (PAP)', () => {
  it('decodes the Access-Request: code, identifier, authenticator and four attributes', () => {
    const d = decodePacket(RFC_REQUEST);
    if (!d.ok) throw d.error;
    expect(d.packet.code).toBe(CODE.ACCESS_REQUEST);
    expect(d.packet.identifier).toBe(0);
    expect(d.packet.authenticator).toEqual(RFC_REQUEST_AUTH);
    expect(d.packet.attributes.map((a) => a.type)).toEqual([ATTR.USER_NAME, ATTR.USER_PASSWORD, ATTR.NAS_IP_ADDRESS, ATTR.NAS_PORT]);
    expect(attribute(d.packet, ATTR.USER_NAME)!.toString()).toBe('nemo');
    expect(attribute(d.packet, ATTR.USER_PASSWORD)).toEqual(RFC_HIDDEN);
  });

  it('hides "arctangent" to the RFC bytes and unhides them back', () => {
    expect(hidePassword(Buffer.from('arctangent'), SECRET, RFC_REQUEST_AUTH)).toEqual(RFC_HIDDEN);
    expect(unhidePassword(RFC_HIDDEN, SECRET, RFC_REQUEST_AUTH)!.toString()).toBe('arctangent');
    expect(unhidePassword(RFC_HIDDEN, Buffer.from('wrong'), RFC_REQUEST_AUTH)!.toString()).not.toBe('arctangent');
  });

  it('re-encodes the request byte for byte', () => {
    const d = decodePacket(RFC_REQUEST);
    if (!d.ok) throw d.error;
    expect(encodePacket(d.packet)).toEqual(RFC_REQUEST);
  });

  it('computes the Access-Accept’s Response Authenticator from the request authenticator', () => {
    const withRequestAuth = Buffer.from(RFC_ACCEPT);
    RFC_REQUEST_AUTH.copy(withRequestAuth, 4);
    expect(responseAuthenticator(withRequestAuth, SECRET)).toEqual(RFC_ACCEPT.subarray(4, 20));
    expect(verifyResponse(RFC_ACCEPT, RFC_REQUEST_AUTH, 0, SECRET)).toBe(true);
    expect(verifyResponse(RFC_ACCEPT, RFC_REQUEST_AUTH, 0, Buffer.from('xyzzy5462'))).toBe(false);
    expect(verifyResponse(RFC_ACCEPT, RFC_REQUEST_AUTH, 1, SECRET)).toBe(false);
  });
});

describe('RFC 2865 §7.2 (CHAP)', () => {
  it('decodes the CHAP request with its CHAP-Password', () => {
    const d = decodePacket(RFC_CHAP);
    if (!d.ok) throw d.error;
    expect(attribute(d.packet, ATTR.USER_NAME)!.toString()).toBe('flopsy');
    expect(attribute(d.packet, ATTR.CHAP_PASSWORD)!.length).toBe(17);
    expect(attribute(d.packet, ATTR.USER_PASSWORD)).toBeUndefined();
  });
});

describe('round trips with Message-Authenticator (RFC 3579 §3.2)', () => {
  const secret = Buffer.from('a shared secret of some length 1234');

  it('a request carries a valid Message-Authenticator; any flipped bit or another secret breaks it', () => {
    const auth = randomBytes(16);
    const req = encodeAccessRequest({ identifier: 7, authenticator: auth, userName: 'kari@example.no', password: '12345678' }, secret);
    const d = decodePacket(req);
    if (!d.ok) throw d.error;
    expect(d.packet.attributes[0]!.type).toBe(ATTR.MESSAGE_AUTHENTICATOR);
    expect(checkMessageAuthenticator(d, secret)).toBe('ok');
    expect(checkMessageAuthenticator(d, Buffer.from('another secret'))).toBe('invalid');
    expect(unhidePassword(attribute(d.packet, ATTR.USER_PASSWORD)!, secret, auth)!.toString()).toBe('12345678');
    // HMAC-MD5 over the packet with the attribute's value zeroed, computed independently.
    const zeroed = Buffer.from(req);
    zeroed.fill(0, 22, 38);
    expect(attribute(d.packet, ATTR.MESSAGE_AUTHENTICATOR)).toEqual(createHmac('md5', secret).update(zeroed).digest());
    for (const at of [1, 5, 25, req.length - 1]) {
      const bent = Buffer.from(req);
      bent[at]! ^= 0x01;
      const b = decodePacket(bent);
      if (b.ok) expect(checkMessageAuthenticator(b, secret), `byte ${at}`).not.toBe('ok');
    }
  });

  it('a request without one is "missing", with two or a short one "invalid"', () => {
    const auth = randomBytes(16);
    const bare = decodePacket(encodeAccessRequest({ identifier: 1, authenticator: auth, userName: 'u', password: 'p', messageAuthenticator: false }, secret));
    if (!bare.ok) throw bare.error;
    expect(checkMessageAuthenticator(bare, secret)).toBe('missing');
    const two = encodePacket({ ...bare.packet, attributes: [{ type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(16) }, { type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(16) }, ...bare.packet.attributes] });
    const twoD = decodePacket(two);
    if (!twoD.ok) throw twoD.error;
    expect(checkMessageAuthenticator(twoD, secret)).toBe('invalid');
    const short = decodePacket(encodePacket({ ...bare.packet, attributes: [{ type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(8) }, ...bare.packet.attributes] }));
    if (!short.ok) throw short.error;
    expect(checkMessageAuthenticator(short, secret)).toBe('invalid');
  });

  it('an answer has Message-Authenticator first, over the request authenticator, the Proxy-State copied, and a valid Response Authenticator', () => {
    const auth = randomBytes(16);
    const req = decodePacket(
      encodeAccessRequest(
        {
          identifier: 200,
          authenticator: auth,
          userName: 'u',
          password: 'p',
          extra: [
            { type: ATTR.PROXY_STATE, value: Buffer.from('ps1') },
            { type: ATTR.PROXY_STATE, value: Buffer.from('ps2') },
          ],
        },
        secret,
      ),
    );
    if (!req.ok) throw req.error;
    const res = encodeResponse(req.packet, CODE.ACCESS_REJECT, [{ type: ATTR.REPLY_MESSAGE, value: Buffer.from('locked') }], secret);
    const d = decodePacket(res);
    if (!d.ok) throw d.error;
    expect(d.packet.code).toBe(CODE.ACCESS_REJECT);
    expect(d.packet.identifier).toBe(200);
    expect(d.packet.attributes.map((a) => a.type)).toEqual([ATTR.MESSAGE_AUTHENTICATOR, ATTR.REPLY_MESSAGE, ATTR.PROXY_STATE, ATTR.PROXY_STATE]);
    expect(d.packet.attributes.slice(2).map((a) => a.value.toString())).toEqual(['ps1', 'ps2']);
    expect(d.packet.attributes[0]!.value).toEqual(messageAuthenticator(d.bytes, secret, auth));
    expect(verifyResponse(res, auth, 200, secret)).toBe(true);
    expect(verifyResponse(res, randomBytes(16), 200, secret)).toBe(false);
  });

  it('hides passwords of every length up to 128 octets and refuses hidden values that cannot be one', () => {
    const auth = randomBytes(16);
    for (let n = 0; n <= 128; n++) {
      const pw = Buffer.from(randomBytes(n).map((b) => b || 1));
      const hidden = hidePassword(pw, secret, auth);
      expect(hidden.length).toBe(Math.max(16, Math.ceil(n / 16) * 16));
      expect(unhidePassword(hidden, secret, auth)).toEqual(pw);
    }
    expect(() => hidePassword(Buffer.alloc(129, 1), secret, auth)).toThrow();
    for (const n of [0, 15, 17, 144]) expect(unhidePassword(Buffer.alloc(n), secret, auth)).toBeNull();
  });
});

describe('malformed datagrams', () => {
  it('refuses each kind with a typed problem', () => {
    const ok = encodeAccessRequest({ identifier: 1, authenticator: randomBytes(16), userName: 'u', password: 'p' }, SECRET);
    const withLength = (b: Buffer, n: number) => {
      const c = Buffer.from(b);
      c.writeUInt16BE(n, 2);
      return c;
    };
    const problem = (b: Buffer) => {
      const d = decodePacket(b);
      return d.ok ? 'ok' : d.error.problem;
    };
    expect(problem(Buffer.alloc(0))).toBe('too-short');
    expect(problem(ok.subarray(0, 19))).toBe('too-short');
    expect(problem(withLength(ok, 19))).toBe('bad-length');
    expect(problem(withLength(ok, 4097))).toBe('bad-length');
    expect(problem(ok.subarray(0, ok.length - 1))).toBe('truncated');
    // An attribute of length 0 or 1 (node-radius loops for ever on the first), one that runs past the end, a lone type octet.
    const zero = Buffer.concat([withLength(ok.subarray(0, 20), 22), Buffer.from([1, 0])]);
    expect(problem(zero)).toBe('attribute-length');
    expect(problem(Buffer.concat([withLength(ok.subarray(0, 20), 22), Buffer.from([1, 1])]))).toBe('attribute-length');
    expect(problem(Buffer.concat([withLength(ok.subarray(0, 20), 24), Buffer.from([1, 10, 0, 0])]))).toBe('attribute-truncated');
    expect(problem(Buffer.concat([withLength(ok.subarray(0, 20), 21), Buffer.from([1])]))).toBe('attribute-truncated');
    // Octets after Length are padding (RFC 2865 §3), not part of the packet.
    const padded = decodePacket(Buffer.concat([ok, Buffer.from('padding')]));
    expect(padded.ok && padded.bytes.length).toBe(ok.length);
    expect(() => encodePacket({ code: 1, identifier: 1, authenticator: Buffer.alloc(16), attributes: [{ type: 1, value: Buffer.alloc(254) }] })).toThrow(/253/);
    expect(() => encodePacket({ code: 1, identifier: 256, authenticator: Buffer.alloc(16), attributes: [] })).toThrow();
  });

  it('random, truncated and bit-flipped datagrams never throw (fuzz)', () => {
    const good = encodeAccessRequest({ identifier: 9, authenticator: randomBytes(16), userName: 'kari@example.no', password: '12345678', extra: [{ type: ATTR.PROXY_STATE, value: randomBytes(40) }] }, SECRET);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      let b: Buffer;
      const kind = i % 4;
      if (kind === 0) b = randomBytes(Math.floor(Math.random() * 200));
      else if (kind === 1) b = good.subarray(0, Math.floor(Math.random() * (good.length + 1)));
      else if (kind === 2) {
        b = Buffer.from(good);
        for (let k = 0; k < 1 + (i % 5); k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      } else {
        // A random header whose Length matches, over random attributes.
        b = randomBytes(20 + Math.floor(Math.random() * 100));
        b.writeUInt16BE(b.length, 2);
      }
      const d = decodePacket(b);
      if (d.ok) {
        decoded++;
        expect(() => checkMessageAuthenticator(d, SECRET)).not.toThrow();
        expect(() => encodeResponse(d.packet, CODE.ACCESS_REJECT, [], SECRET)).not.toThrow();
        const pw = attribute(d.packet, ATTR.USER_PASSWORD);
        if (pw) expect(() => unhidePassword(pw, SECRET, d.packet.authenticator)).not.toThrow();
      } else {
        expect(d.error.problem).toMatch(/^[a-z-]+$/);
      }
    }
    expect(decoded).toBeGreaterThan(100);
  });
});
