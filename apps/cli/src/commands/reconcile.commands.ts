import { Command } from 'commander';
import { DRIFT_KINDS, ReconciliationService, type ReconciliationReport } from '@idsync/reconcile';
import { CliFailure, cliKafka, formatTable, kafkaTopicPrefix, note, positiveInteger, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

// `idsync reconcile --tenant T [--repair]`: compares the gateway's database (the system of record)
// with the compacted current-state topics and the webhook delivery log (docs/RELIABILITY.md).
// Exit 0: no drift (or all of it repaired); 1: drift left.

interface ReconcileFlags extends JsonOption {
  tenant: string;
  repair?: boolean;
  settleSeconds?: number;
}

function humanReport(report: ReconciliationReport): string {
  const lines = [
    `tenant ${report.tenantId}: database ${report.database.users} users, ${report.database.groups} groups; topics ${report.topics.users} users, ${report.topics.groups} groups; ${report.inFlight} change(s) in flight`,
    `drift: ${DRIFT_KINDS.map((k) => `${k} ${report.driftByKind[k]}`).join(', ')}`,
  ];
  if (report.drift.length > 0) {
    lines.push(
      formatTable(
        report.drift.map((d) => ({
          kind: d.kind,
          type: d.resourceType,
          resource: d.resourceId,
          db: d.databaseVersion ?? '',
          topic: d.topicVersion ?? '',
          subscription: d.subscriptionId ?? '',
          delivery: d.deliveryId ?? '',
        })),
      ),
    );
  }
  if (report.deliveries.length > 0) {
    lines.push('deliveries by subscription:');
    lines.push(formatTable(report.deliveries.map((s) => ({ subscription: s.subscriptionId, enabled: s.enabled, pending: s.pending, retrying: s.retrying, failed: s.failed, delivered: s.delivered, oldestPending: s.oldestPendingAt ?? '' }))));
  }
  if (report.repair) {
    const r = report.repair;
    lines.push(`repaired: ${r.resynced} re-stated through the outbox, ${r.deletesReemitted} deletes re-emitted, ${r.deliveriesRequeued} deliveries requeued, ${r.skipped.length} skipped`);
    for (const s of r.skipped) lines.push(`  skipped ${s.kind} ${s.resourceId}: ${s.reason}`);
  }
  return lines.join('\n');
}

export function registerReconcileCommands(program: Command): void {
  withJsonOption(
    program
      .command('reconcile')
      .description('compare a tenant’s database with the compacted topics and the webhook delivery log; --repair re-emits corrective changes through the outbox')
      .requiredOption('--tenant <name|id>', 'tenant name or id')
      .option('--repair', 're-state drifted resources through the outbox, re-emit lost deletes, requeue failed deliveries')
      .option('--settle-seconds <n>', 'changes published this recently are still travelling, not drift (default 30)', positiveInteger),
  ).action(async (flags: ReconcileFlags) => {
    const report = await withDb(async (db) => {
      const tenant = await resolveTenant(db, flags.tenant);
      const service = new ReconciliationService({ db, kafka: cliKafka('idsync-cli-reconcile'), topicPrefix: kafkaTopicPrefix() });
      try {
        return await service.reconcile({ tenantId: tenant.id, repair: flags.repair, settleSeconds: flags.settleSeconds, onProgress: flags.json ? undefined : note });
      } catch (err) {
        throw new CliFailure(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    printResult(flags.json, report, humanReport(report));
    const left = report.repair ? report.repair.skipped.length : report.drift.length;
    if (left > 0) throw new CliFailure(report.repair ? `${left} drifted resource(s) could not be repaired` : `${report.drift.length} drift(s) found; run again with --repair to correct them`);
  });
}
