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

/** One admin screen by name. */
export function AdminScreen({ view, importJob, setImportJob }: { view: View; importJob: ImportJob | null; setImportJob: Dispatch<SetStateAction<ImportJob | null>> }) {
  switch (view) {
    case 'import':
      return <ImportScreen job={importJob} setJob={setImportJob} />;
    case 'audit':
      return <AuditScreen />;
    case 'operators':
      return <OperatorsScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'vault':
      return <VaultScreen />;
    case 'outbox':
      return <OutboxScreen />;
    default:
      return null;
  }
}
