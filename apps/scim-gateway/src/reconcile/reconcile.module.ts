import { Module } from '@nestjs/common';
import { PeriodicReconciliation } from './periodic-reconciliation';

/** The optional periodic reconciliation job (RECONCILE_INTERVAL_MINUTES; docs/RELIABILITY.md). */
@Module({ providers: [PeriodicReconciliation] })
export class ReconcileModule {}
