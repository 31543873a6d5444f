import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, makeVault } from '../helpers/vault.ts';
import { chooseLogo, MAX_LOGO_BYTES, type PickedFile } from '../../main/core/logo.ts';
import { currentSettings } from '../../main/core/settings.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 1)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), Buffer.alloc(64, 2)]);

/** A picked file; `claimedSize` lets a file say one size and read another (it changed on disk). */
function picked(name: string, bytes: Buffer, claimedSize = bytes.length): PickedFile & { reads: number } {
  const f = {
    name,
    reads: 0,
    size: async () => claimedSize,
    read: async () => {
      f.reads++;
      return bytes;
    },
  };
  return f;
}

async function fresh() {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  return v;
}

describe('the organisation logo', () => {
  it('stores a PNG, JPEG or SVG as a data URL of its type, and clears it', async () => {
    const { store, admin } = await fresh();
    const s = await chooseLogo(store, admin, { file: picked('Logo.PNG', PNG) });
    expect(s.organizationLogo).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect((await chooseLogo(store, admin, { file: picked('logo.jpeg', JPEG) })).organizationLogo).toMatch(/^data:image\/jpeg;base64,/);
    expect((await chooseLogo(store, admin, { file: picked('logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')) })).organizationLogo).toMatch(/^data:image\/svg\+xml;base64,/);
    expect((await chooseLogo(store, admin, { clear: true })).organizationLogo).toBeNull();
    expect((await currentSettings(store)).organizationLogo).toBeNull();
  });

  it('refuses another type or a file over 200 kB without reading it, and keeps the old logo', async () => {
    const { store, admin } = await fresh();
    await chooseLogo(store, admin, { file: picked('logo.png', PNG) });
    const before = (await currentSettings(store)).organizationLogo;
    for (const name of ['logo.gif', 'logo.png.exe', 'logo', 'logo.html']) {
      const f = picked(name, PNG);
      expect(await errorCode(chooseLogo(store, admin, { file: f })), name).toBe('BAD_REQUEST');
      expect(f.reads, name).toBe(0);
    }
    const big = picked('big.png', Buffer.alloc(MAX_LOGO_BYTES + 1));
    expect(await errorCode(chooseLogo(store, admin, { file: big }))).toBe('BAD_REQUEST');
    expect(big.reads).toBe(0);
    // A file that grew between the size check and the read is still refused.
    const grew = picked('grew.png', Buffer.alloc(MAX_LOGO_BYTES + 1), 10);
    expect(await errorCode(chooseLogo(store, admin, { file: grew }))).toBe('BAD_REQUEST');
    expect(grew.reads).toBe(1);
    expect((await currentSettings(store)).organizationLogo).toBe(before);
  });

  it('checks the content, not only the name: a PNG named .jpg, a text file named .svg and an SVG with a script are refused', async () => {
    const { store, admin } = await fresh();
    expect(await errorCode(chooseLogo(store, admin, { file: picked('logo.jpg', PNG) }))).toBe('BAD_REQUEST');
    expect(await errorCode(chooseLogo(store, admin, { file: picked('logo.svg', Buffer.from('hello')) }))).toBe('BAD_REQUEST');
    expect(await errorCode(chooseLogo(store, admin, { file: picked('logo.svg', Buffer.from('<svg onload="alert(1)"/>')) }))).toBe('BAD_REQUEST');
    expect(await errorCode(chooseLogo(store, admin, { file: picked('logo.svg', Buffer.from('<svg><image href="https://evil.example/x.png"/></svg>')) }))).toBe('BAD_REQUEST');
    expect((await currentSettings(store)).organizationLogo).toBeNull();
  });

  it('leaves the settings as they are when no file was picked, and is for admins only', async () => {
    const { store, admin, agent } = await fresh();
    await chooseLogo(store, admin, { file: picked('logo.png', PNG) });
    const head = await store.read((tx) => tx.audit.head());
    expect((await chooseLogo(store, admin, { file: null })).organizationLogo).toMatch(/^data:image\/png/);
    expect((await store.read((tx) => tx.audit.head())).count).toBe(head.count);
    expect(await errorCode(chooseLogo(store, agent!, { file: picked('logo.png', PNG) }))).toBe('FORBIDDEN');
    expect(await errorCode(chooseLogo(store, agent!, { clear: true }))).toBe('FORBIDDEN');
  });
});
