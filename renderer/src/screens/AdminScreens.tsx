// The admin screens behind the tab menu (visible to admins only).
import type { Dispatch, SetStateAction } from 'react';
import type { ImportJob } from '../jobs.ts';
import type { View } from '../workspace.ts';
import { AuditScreen } from './AuditScreen.tsx';
import { ImportScreen } from './ImportScreen.tsx';
import { OperatorsScreen } from './OperatorsScreen.tsx';
import { OutboxScreen } from './OutboxScreen.tsx';
import { SettingsScreen } from './SettingsScreen.tsx';
import { VaultScreen } from './VaultScreen.tsx';
import type { SettingsDraft } from './SettingsScreen.tsx';

interface Props {
  view: View;
  importJob: ImportJob | null;
  setImportJob: Dispatch<SetStateAction<ImportJob | null>>;
  settingsDraft: SettingsDraft | null;
  setSettingsDraft: Dispatch<SetStateAction<SettingsDraft | null>>;
}

/** One admin screen by name. */
export function AdminScreen({ view, importJob, setImportJob, settingsDraft, setSettingsDraft }: Props) {
  switch (view) {
    case 'import':
      return <ImportScreen job={importJob} setJob={setImportJob} />;
    case 'audit':
      return <AuditScreen />;
    case 'operators':
      return <OperatorsScreen />;
    case 'settings':
      return <SettingsScreen draft={settingsDraft} setDraft={setSettingsDraft} />;
    case 'vault':
      return <VaultScreen />;
    case 'outbox':
      return <OutboxScreen />;
    default:
      return null;
  }
}
