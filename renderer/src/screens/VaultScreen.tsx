// Vault (admin): what it is (cipher, schema, key generation, size, counts), its upkeep (last
// backup, check and audit verification, outbox waiting), integrity check, backup, restore with a
// preview of the backup (locks the session afterwards) and rotate key (new recovery key, once).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, useApi } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { RekeyDialog } from '../dialogs/RekeyDialog.tsx';
import { RestoreDialog } from '../dialogs/RestoreDialog.tsx';
import { errorText } from '../errors.ts';
import { bytes, dateTime, number, relative } from '../format.ts';
import { useWorkspace } from '../workspace.ts';

/** The vault screen. */
export function VaultScreen() {
  const { t } = useTranslation();
  const toast = useToast();
  const ws = useWorkspace();
  const [key, setKey] = useState(0);
  const info = useApi('vault:info', {}, String(key));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [integrity, setIntegrity] = useState<{ ok: boolean; problems: string[] } | null>(null);
  const [dialog, setDialog] = useState<'restore' | 'rekey' | null>(null);
  const [confirmKept, setConfirmKept] = useState(false);

  async function check() {
    setBusy('integrity');
    const r = await call('vault:integrity', {});
    setBusy(null);
    if (r.ok) setIntegrity(r.value);
    else setError(errorText(t, r.error));
    setKey((k) => k + 1); // the upkeep shows the new check
  }
  async function backup() {
    setBusy('backup');
    const r = await call('vault:backup', {});
    setBusy(null);
    if (!r.ok) return setError(errorText(t, r.error));
    setError(null);
    if (r.value.file) toast({ title: t('vault.backedUp', { size: bytes(r.value.bytes) }), description: r.value.file, tone: 'ok' });
    if (r.value.file) setKey((k) => k + 1);
  }

  async function deleteKept() {
    setBusy('kept');
    const r = await call('vault:delete-kept', {});
    setBusy(null);
    setConfirmKept(false);
    if (!r.ok) return setError(errorText(t, r.error));
    setError(null);
    toast({ title: t('vault.keptDeleted', { count: r.value.deleted, n: number(r.value.deleted) }), tone: 'ok' });
    setKey((k) => k + 1);
  }

  const v = info.data;
  const rows: Array<[string, string, string?]> = v
    ? [
        [t('vault.dir'), v.dir, 'mono-small'],
        [t('vault.cipher'), v.cipher],
        [t('vault.schema'), String(v.schemaVersion)],
        [t('vault.keyGeneration'), String(v.keyGeneration)],
        [t('vault.size'), bytes(v.sizeBytes)],
        [t('vault.users'), number(v.users)],
        [t('vault.operators'), number(v.operators)],
        [t('vault.events'), number(v.auditEvents)],
      ]
    : [];
  const when = (at: number) => t('vault.upkeep.when', { at: dateTime(at), age: relative(at) });
  const u = v?.upkeep;
  const upkeep: Array<[string, string, string, 'ok' | 'bad' | 'none']> = u
    ? [
        ['backup', t('vault.upkeep.backup'), u.lastBackup ? when(u.lastBackup.at) : t('vault.upkeep.never'), u.lastBackup ? 'ok' : 'none'],
        [
          'integrity',
          t('vault.upkeep.integrity'),
          u.lastIntegrityCheck ? `${when(u.lastIntegrityCheck.at)} — ${u.lastIntegrityCheck.ok ? t('vault.upkeep.integrityOk') : t('vault.upkeep.integrityBad')}` : t('vault.upkeep.never'),
          u.lastIntegrityCheck ? (u.lastIntegrityCheck.ok ? 'ok' : 'bad') : 'none',
        ],
        [
          'audit',
          t('vault.upkeep.audit'),
          u.lastAuditVerify ? `${when(u.lastAuditVerify.at)} — ${u.lastAuditVerify.ok ? t('vault.upkeep.auditOk') : t('vault.upkeep.auditBroken')}` : t('vault.upkeep.auditNever'),
          u.lastAuditVerify ? (u.lastAuditVerify.ok ? 'ok' : 'bad') : 'none',
        ],
        ['outbox', t('vault.upkeep.outbox'), t('vault.upkeep.outboxPending', { count: u.outboxPending, n: number(u.outboxPending) }), u.outboxPending > 0 ? 'none' : 'ok'],
      ]
    : [];
  return (
    <div className="screen" data-testid="vault-screen">
      <h1>{t('vault.title')}</h1>
      {info.error ? <Notice tone="bad">{errorText(t, info.error)}</Notice> : null}
      <dl className="facts" data-testid="vault-info">
        {rows.map(([k, val, cls]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className={cls}>{val}</dd>
          </div>
        ))}
      </dl>
      {upkeep.length ? <h2>{t('vault.upkeep.title')}</h2> : null}
      <dl className="facts upkeep" data-testid="vault-upkeep">
        {upkeep.map(([id, k, val, tone]) => (
          <div key={id} data-testid={`upkeep-${id}`} data-state={tone}>
            <dt>{k}</dt>
            <dd>{val}</dd>
          </div>
        ))}
      </dl>
      <div className="button-row">
        <button type="button" className="btn" onClick={() => void check()} disabled={busy !== null} data-testid="vault-integrity">
          <Icon name="shield" /> {busy === 'integrity' ? t('common.working') : t('vault.integrity')}
        </button>
        <button type="button" className="btn" onClick={() => void backup()} disabled={busy !== null} data-testid="vault-backup">
          <Icon name="download" /> {busy === 'backup' ? t('common.working') : t('vault.backup')}
        </button>
        <button type="button" className="btn" onClick={() => setDialog('restore')} disabled={busy !== null} data-testid="vault-restore">
          {t('vault.restore')}
        </button>
        <button type="button" className="btn btn-danger-outline" onClick={() => setDialog('rekey')} disabled={busy !== null} data-testid="vault-rekey">
          <Icon name="key" /> {t('vault.rekey')}
        </button>
      </div>
      {v?.serviceKeys?.length ? (
        <Notice tone="warn" testId="vault-service-keys">
          <p>{t('vault.serviceKeys', { count: v.serviceKeys.length, n: number(v.serviceKeys.length) })}</p>
          <ul>
            {v.serviceKeys.map((k) => (
              <li key={k.keyId} data-testid="vault-service-key">
                {k.label} <span className="muted mono-small">({k.keyId})</span>
              </li>
            ))}
          </ul>
          <p>{t('vault.serviceKeysRevoke')}</p>
        </Notice>
      ) : null}
      {v?.keptAside ? (
        <Notice tone="warn" testId="vault-kept">
          {t('vault.keptAside', { count: v.keptAside, n: number(v.keptAside) })}{' '}
          {confirmKept ? (
            <>
              <button type="button" className="btn btn-danger-outline" onClick={() => void deleteKept()} disabled={busy !== null} data-testid="vault-kept-confirm">
                {t('vault.keptDeleteConfirm')}
              </button>{' '}
              <button type="button" className="btn" onClick={() => setConfirmKept(false)} data-testid="vault-kept-cancel">
                {t('common.cancel')}
              </button>
            </>
          ) : (
            <button type="button" className="btn" onClick={() => setConfirmKept(true)} disabled={busy !== null} data-testid="vault-kept-delete">
              {t('vault.keptDelete')}
            </button>
          )}
        </Notice>
      ) : null}
      {integrity ? (
        <Notice tone={integrity.ok ? 'ok' : 'bad'} testId="vault-integrity-result">
          {integrity.ok ? t('vault.integrityOk') : t('vault.integrityBad', { count: integrity.problems.length, n: number(integrity.problems.length) })}
          {integrity.problems.length > 0 ? (
            <ul>
              {integrity.problems.slice(0, 20).map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          ) : null}
        </Notice>
      ) : null}
      {error ? <Notice tone="bad">{error}</Notice> : null}
      {dialog === 'restore' ? <RestoreDialog onClose={() => setDialog(null)} onRestored={() => ws.lock()} /> : null}
      {dialog === 'rekey' ? (
        <RekeyDialog
          onClose={(rotated) => {
            setDialog(null);
            if (rotated) setKey((k) => k + 1);
          }}
        />
      ) : null}
    </div>
  );
}
