// Operators (admin): list, add, disable, remove (main then rotates the vault key in the background), reset
// password, change role.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperatorView } from '../../../contract/index.ts';
import { call, useApi } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice, Status } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { ConfirmDialog } from '../dialogs/ConfirmDialog.tsx';
import { AddOperatorDialog, LinkUserDialog, ResetPasswordDialog } from '../dialogs/OperatorDialogs.tsx';
import { RekeyDialog } from '../dialogs/RekeyDialog.tsx';
import { errorText } from '../errors.ts';
import { date } from '../format.ts';
import { Time } from '../components/Time.tsx';
import { useWorkspace } from '../workspace.ts';

type Pending =
  | { kind: 'add' }
  | { kind: 'reset'; op: OperatorView }
  | { kind: 'link'; op: OperatorView }
  | { kind: 'disable'; op: OperatorView }
  | { kind: 'remove'; op: OperatorView }
  | { kind: 'role'; op: OperatorView }
  | { kind: 'rekey'; name: string }
  | null;

/** The operators screen. */
export function OperatorsScreen() {
  const { t } = useTranslation();
  const toast = useToast();
  const ws = useWorkspace();
  const [key, setKey] = useState(0);
  const list = useApi('operators:list', {}, String(key));
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reload = () => setKey((k) => k + 1);
  const close = () => {
    setPending(null);
    setError(null);
  };

  async function run(p: NonNullable<Pending>) {
    if (p.kind !== 'disable' && p.kind !== 'remove' && p.kind !== 'role') return;
    setBusy(true);
    const op = p.op;
    const r =
      p.kind === 'disable'
        ? await call('operators:disable', { operatorId: op.id })
        : p.kind === 'remove'
          ? await call('operators:remove', { operatorId: op.id })
          : await call('operators:update', { operatorId: op.id, role: op.role === 'admin' ? 'agent' : 'admin' });
    setBusy(false);
    if (!r.ok) return setError(errorText(t, r.error));
    reload();
    toast({ title: t(`operators.done.${p.kind}`, { name: op.displayName }), tone: 'ok' });
    // Main rotates the vault key in the background after a disable or remove; its end is a job toast.
    close();
  }

  const ops = list.data ?? [];
  return (
    <div className="screen screen-wide" data-testid="operators-screen">
      <div className="screen-head">
        <h1>{t('operators.title')}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setPending({ kind: 'add' })} data-testid="operator-add">
          <Icon name="plus" /> {t('operators.add')}
        </button>
      </div>
      {list.error ? <Notice tone="bad">{errorText(t, list.error)}</Notice> : null}
      <ScrollArea label={t('operators.title')}>
      <table className="table" data-testid="operators-table">
        <thead>
          <tr>
            {(['name', 'displayName', 'email', 'user', 'role', 'status', 'created', 'actions'] as const).map((c) => (
              <th scope="col" key={c}>
                {t(`operators.col.${c}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ops.map((op) => {
            const self = op.id === ws.session.operatorId;
            return (
              <tr key={op.id} data-testid="operator-row" data-name={op.name}>
                <td className="mono-small">{op.name}</td>
                <td>
                  {op.displayName}
                  {self ? <span className="muted"> ({t('operators.you')})</span> : null}
                </td>
                <td>{op.email}</td>
                <td data-testid="operator-user">{op.userEmail ?? <Status tone="warn" label={t('operators.unlinked')} />}</td>
                <td>{t(`role.${op.role}`)}</td>
                <td>
                  {op.status === 'active' ? <Status tone="ok" label={t('operators.status.active')} /> : <Status tone="bad" icon="ban" label={t(`operators.status.${op.status}`)} />}
                </td>
                <td>
                  <Time at={op.createdAt}>{date(op.createdAt)}</Time>
                </td>
                <td>
                  {op.status !== 'removed' && !self ? (
                    <div className="row-actions">
                      <button type="button" className="btn btn-small" onClick={() => setPending({ kind: 'role', op })} data-testid="operator-role">
                        {op.role === 'admin' ? t('operators.makeAgent') : t('operators.makeAdmin')}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => setPending({ kind: 'link', op })} data-testid="operator-link">
                        {t('operators.link')}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => setPending({ kind: 'reset', op })} data-testid="operator-reset">
                        {t('operators.resetPassword')}
                      </button>
                      {op.status === 'active' ? (
                        <button type="button" className="btn btn-small" onClick={() => setPending({ kind: 'disable', op })} data-testid="operator-disable">
                          {t('operators.disable')}
                        </button>
                      ) : null}
                      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setPending({ kind: 'remove', op })} data-testid="operator-remove">
                        {t('operators.remove')}
                      </button>
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </ScrollArea>
      {pending?.kind === 'add' ? (
        <AddOperatorDialog
          onClose={(added) => {
            close();
            if (added) {
              reload();
              toast({ title: t('operators.done.add', { name: added.displayName }), tone: 'ok' });
            }
          }}
        />
      ) : null}
      {pending?.kind === 'link' ? (
        <LinkUserDialog
          op={pending.op}
          onClose={(changed) => {
            close();
            if (changed) {
              reload();
              toast({ title: t('operators.done.link', { name: changed.displayName }), tone: 'ok' });
            }
          }}
        />
      ) : null}
      {pending?.kind === 'reset' ? (
        <ResetPasswordDialog
          op={pending.op}
          onClose={(done) => {
            close();
            if (done) toast({ title: t('operators.done.reset', { name: pending.op.displayName }), tone: 'ok' });
          }}
        />
      ) : null}
      {pending && (pending.kind === 'disable' || pending.kind === 'remove' || pending.kind === 'role') ? (
        <ConfirmDialog
          title={t(`operators.confirm.${pending.kind}Title`, { name: pending.op.displayName })}
          confirmLabel={pending.kind === 'role' ? (pending.op.role === 'admin' ? t('operators.makeAgent') : t('operators.makeAdmin')) : t(`operators.${pending.kind}`)}
          danger={pending.kind !== 'role'}
          busy={busy}
          error={error}
          onConfirm={() => void run(pending)}
          onCancel={close}
          testId={`dialog-operator-${pending.kind}`}
        >
          <p>{t(`operators.confirm.${pending.kind === 'role' ? (pending.op.role === 'admin' ? 'toAgent' : 'toAdmin') : pending.kind}`, { name: pending.op.displayName })}</p>
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'rekey' ? <RekeyDialog reason={t('rekey.afterRemove', { name: pending.name })} onClose={close} /> : null}
    </div>
  );
}
