// Who may do what: an automation client's rights are exactly its scopes from the fixed list,
// never a role's; a permission smuggled into its scope list grants nothing.
import { describe, expect, it } from 'vitest';
import { allowedFor, requireRole, PERMISSIONS } from '../../main/core/roles.ts';
import { AUTOMATION_SCOPES, PERMISSION_IDS, type Permission } from '../../contract/index.ts';
import type { Session } from '../../main/core/session.ts';

const automation = (scopes: Permission[]): Session => ({ operatorId: 'automation:x', name: 'automation:nightly', displayName: 'nightly', role: 'automation', scopes, emailKey: null, signedInAt: 0 });

describe('automation scopes', () => {
  it('every scope is a permission an admin holds, and none manages operators, clients, settings or verifies codes', () => {
    for (const s of AUTOMATION_SCOPES) expect(PERMISSIONS[s]).toContain('admin');
    for (const p of ['operators:add', 'service-keys:create', 'automation-clients:manage', 'radius-clients:manage', 'settings:write', 'codes:verify', 'audit:export'] as const) expect(AUTOMATION_SCOPES as readonly string[]).not.toContain(p);
  });

  it('an automation session may do exactly its scopes', () => {
    const s = automation(['users:import']);
    for (const p of PERMISSION_IDS) expect(allowedFor(s, p), p).toBe(p === 'users:import');
    expect(() => requireRole(s, 'users:find')).toThrow(/scopes \(users:import\) do not include users:find/);
    expect(() => requireRole(s, 'users:import')).not.toThrow();
  });

  it('a permission outside the fixed list grants nothing even when it is in the scope list', () => {
    const s = automation(['users:import', 'operators:add', 'codes:verify']);
    expect(allowedFor(s, 'operators:add')).toBe(false);
    expect(allowedFor(s, 'codes:verify')).toBe(false);
    expect(allowedFor({ ...s, scopes: undefined }, 'users:import')).toBe(false);
  });

  it('roles are unchanged: an agent, an admin and a login service', () => {
    expect(allowedFor({ role: 'agent' }, 'users:find')).toBe(true);
    expect(allowedFor({ role: 'agent' }, 'automation-clients:manage')).toBe(false);
    expect(allowedFor({ role: 'admin' }, 'automation-clients:manage')).toBe(true);
    expect(allowedFor({ role: 'service' }, 'users:import')).toBe(false);
    expect(allowedFor({ role: 'service', scopes: ['users:import'] }, 'users:import')).toBe(false);
  });
});
