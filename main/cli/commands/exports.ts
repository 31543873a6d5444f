import { exportOutbox } from '../../core/outbox.ts';
import { exportAudit, verifyAuditForReport } from '../../core/audit-export.ts';
import { fileSink } from '../../platform/file-ports.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { vaultAdminOf } from '../../store/sqlite/vault-admin.ts';
import { str, type Command } from '../command.ts';
import { choiceArg } from '../args.ts';
import { DetailedError } from '../output.ts';
import { checkNewFile, pathArg, writeNewFile } from '../files.ts';
import { stdoutSink, wantsStdout } from '../stdout-sink.ts';

const FORMAT_OPTION = { format: { type: 'string' } } as const;

export const outboxExport: Command = {
  name: 'outbox export',
  summary: 'export the queued user notifications and mark them exported (admin)',
  usage: ['outbox export FILE|- [--format csv|json]'],
  help: `Writes every notification not exported yet ("your sign-in methods were changed …") to
FILE (mode 0600; it must not exist yet), or with "-" to standard output (not with --json), and
marks them exported, so each is handed over once.
CSV cells are neutralised against spreadsheet formulas.

  --format csv|json   default csv`,
  options: { ...FORMAT_OPTION },
  args: ['FILE'],
  admin: true,
  async run(ctx, p) {
    const format = choiceArg(str(p, 'format'), 'format', ['csv', 'json'] as const, 'csv');
    const toStdout = wantsStdout(ctx, p.args[0]!, 'outbox export');
    const dest = toStdout ? null : pathArg(p.args[0]!, 'export file');
    if (dest) checkNewFile(dest, 'export file');
    return ctx.withSession(async (vault, session) => {
      // Marked exported only after the file is written: a file that cannot be written leaves them queued.
      const sink = dest ? fileSink(dest, (p, c) => writeNewFile(p, c, 'export file')) : stdoutSink(ctx.io.stdout, 'at-save');
      const r = await exportOutbox(storeOf(vault), session, format, sink);
      const counted = `${r.count} notification${r.count === 1 ? '' : 's'} exported`;
      if (!dest) return { result: { file: '-', count: r.count, format }, message: `${counted} to standard output.` };
      return { result: { file: dest, count: r.count, format }, text: dest, message: `${counted} to ${dest}.` };
    });
  },
};

export const auditVerify: Command = {
  name: 'audit verify',
  summary: 'check the hash chain of the audit log and its anchor (admin)',
  usage: ['audit verify'],
  help: `Walks the whole audit chain (each event's SHA-256 over the previous hash and its canonical
JSON) and compares it with the anchor kept in the key-slot file. Exit 0 when intact; exit 6
(VAULT_DAMAGED) naming the first broken event otherwise.`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const r = await verifyAuditForReport(storeOf(vault), vaultAdminOf(vault), session);
      if (!r.ok) {
        const where = r.firstBroken !== null ? `first broken event: ${r.firstBroken} (${r.problem ?? 'changed'})` : `the anchor is ${r.anchor}`;
        throw new DetailedError('VAULT_DAMAGED', `The audit chain does not verify: ${where}. Keep this vault and its backups as evidence.`, r);
      }
      return { result: r, text: `ok: ${r.count} events, anchor ${r.anchor}` };
    });
  },
};

export const auditExport: Command = {
  name: 'audit export',
  summary: 'export the audit log with its chain head (admin)',
  usage: ['audit export FILE|- [--format csv|json]'],
  help: `Writes the whole audit log to FILE (mode 0600; it must not exist yet) with the chain head
and anchor, so outside tools can recheck every hash; "-" prints it on standard output instead
(not with --json). CSV starts with the header row and ends with one comment line (# …) that
holds the chain head and anchor; its cells are neutralised against spreadsheet formulas.

  --format csv|json   default json`,
  options: { ...FORMAT_OPTION },
  args: ['FILE'],
  admin: true,
  async run(ctx, p) {
    const format = choiceArg(str(p, 'format'), 'format', ['csv', 'json'] as const, 'json');
    const toStdout = wantsStdout(ctx, p.args[0]!, 'audit export');
    const dest = toStdout ? null : pathArg(p.args[0]!, 'export file');
    if (dest) checkNewFile(dest, 'export file');
    return ctx.withSession(async (vault, session) => {
      // To standard output the export is printed only once its audit event is committed.
      const out = stdoutSink(ctx.io.stdout, 'after-record');
      const sink = dest ? fileSink(dest, (p, c) => writeNewFile(p, c, 'export file')) : out;
      const r = await exportAudit(storeOf(vault), vaultAdminOf(vault), session, format, sink);
      const counted = `${r.count} audit events exported to ${dest ?? 'standard output'} (head ${r.head.count}:${r.head.hash.slice(0, 16)}…).`;
      if (!dest) {
        await out.flush();
        return { result: { file: '-', count: r.count, head: r.head, format }, message: counted };
      }
      return { result: { file: dest, count: r.count, head: r.head, format }, text: dest, message: counted };
    });
  },
};
