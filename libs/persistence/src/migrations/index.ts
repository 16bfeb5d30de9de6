import { CreateCoreSchema1764000000000 } from './1764000000000-createCoreSchema';
import { CreateWebhookSchema1764200000000 } from './1764200000000-createWebhookSchema';
import { CreateWorkerProcessedChanges1764300000000 } from './1764300000000-createWorkerProcessedChanges';
import { WebhookSubscriptionFailingSince1764400000000 } from './1764400000000-webhookSubscriptionFailingSince';
import { WebhookSubscriptionRateLimit1764500000000 } from './1764500000000-webhookSubscriptionRateLimit';
import { WebhookSubscriptionSelection1764600000000 } from './1764600000000-webhookSubscriptionSelection';
import { OktaEventHooks1764700000000 } from './1764700000000-oktaEventHooks';
import { AuditHashChain1764800000000 } from './1764800000000-auditHashChain';
import { OutboxByResource1764900000000 } from './1764900000000-outboxByResource';
import { OutboxTraceContext1765000000000 } from './1765000000000-outboxTraceContext';
import { AdminTokens1765100000000 } from './1765100000000-adminTokens';
import { TenantPiiEncryption1765200000000 } from './1765200000000-tenantPiiEncryption';
import { WebhookCustomHeadersCiphertext1765400000000 } from './1765400000000-webhookCustomHeadersCiphertext';
import { WebhookDeliveryClaimIndexes1765500000000 } from './1765500000000-webhookDeliveryClaimIndexes';
import { AuditChainSequencer1765600000000 } from './1765600000000-auditChainSequencer';

/** Every migration, in order. Schema changes happen only through these (never `synchronize`). */
export const MIGRATIONS = [CreateCoreSchema1764000000000, CreateWebhookSchema1764200000000, CreateWorkerProcessedChanges1764300000000, WebhookSubscriptionFailingSince1764400000000, WebhookSubscriptionRateLimit1764500000000, WebhookSubscriptionSelection1764600000000, OktaEventHooks1764700000000, AuditHashChain1764800000000, OutboxByResource1764900000000, OutboxTraceContext1765000000000, AdminTokens1765100000000, TenantPiiEncryption1765200000000, WebhookCustomHeadersCiphertext1765400000000, WebhookDeliveryClaimIndexes1765500000000, AuditChainSequencer1765600000000];
