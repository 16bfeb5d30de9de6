import { HttpException, Logger } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { SCIM_SCHEMAS, ScimError, type ScimErrorBody, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';
import { GatewayConfig } from '../../config/gateway.config';
import { CreateResourceCommand } from '../../resources/commands/create-resource/create-resource.command';
import { DeleteResourceCommand } from '../../resources/commands/delete-resource/delete-resource.command';
import { PatchResourceCommand } from '../../resources/commands/patch-resource/patch-resource.command';
import { ReplaceResourceCommand } from '../../resources/commands/replace-resource/replace-resource.command';
import { ENDPOINTS, etagOf } from '../../resources/scim-resource.renderer';
import type { StoredResource } from '../../resources/store/scim-resource.store';
import { bulkIdReferences, substituteBulkIds, substitutePath } from '../bulk-id-references';
import { parseBulkRequest, parseResourcePath, type BulkMethod, type BulkOperation } from '../bulk-request';
import { ProcessBulkCommand } from './process-bulk.command';

/** One entry of BulkResponse.Operations (RFC 7644 §3.7.3). */
export interface BulkOperationResult {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: ScimErrorBody;
}

export interface BulkResponse {
  schemas: [string];
  Operations: BulkOperationResult[];
}

/** A group created without members that pointed at groups not created yet (a circular reference). */
interface DeferredMembers {
  operation: BulkOperation;
  groupId: string;
  members: ScimJsonObject[];
}

/** State of one bulk request while its operations run. */
class BulkRun {
  /** bulkId → index of the POST that declares it. */
  readonly declared = new Map<string, number>();
  /** bulkId → id of the resource its POST created. */
  readonly created = new Map<string, string>();
  readonly failedBulkIds = new Set<string>();
  readonly results = new Map<number, BulkOperationResult>();
  readonly deferred: DeferredMembers[] = [];
  errors = 0;

  constructor(readonly operations: BulkOperation[]) {
    for (const op of operations) if (op.method === 'POST' && op.bulkId !== undefined) this.declared.set(op.bulkId, op.index);
  }

  /** Splits an operation's references into the ones not created yet and the ones that can never resolve. */
  classify(references: Iterable<string>): { waiting: string[]; undeclared: string[]; failed: string[] } {
    const out = { waiting: [] as string[], undeclared: [] as string[], failed: [] as string[] };
    for (const ref of references) {
      if (this.created.has(ref)) continue;
      if (this.failedBulkIds.has(ref)) out.failed.push(ref);
      else if (!this.declared.has(ref)) out.undeclared.push(ref);
      else out.waiting.push(ref);
    }
    return out;
  }
}

/**
 * POST /Bulk (RFC 7644 §3.7). Every operation runs as its own resource command, i.e. its own
 * transaction with its own audit and outbox rows: a failed operation is reported in the response
 * and does not undo the others. Operations run in request order, except that one referring to a
 * bulkId created later waits for it (§3.7.2 allows reordering); a circle of groups naming each
 * other as members is broken by creating one without those members and adding them afterwards
 * (§3.7.1). Other circles, and references to failed or undeclared bulkIds, fail with invalidValue.
 */
@CommandHandler(ProcessBulkCommand)
export class ProcessBulkHandler implements ICommandHandler<ProcessBulkCommand, BulkResponse> {
  private readonly logger = new Logger('Bulk');

  constructor(
    private readonly commands: CommandBus,
    private readonly config: GatewayConfig,
  ) {}

  async execute(cmd: ProcessBulkCommand): Promise<BulkResponse> {
    const request = parseBulkRequest(cmd.body, this.config.SCIM_BULK_MAX_OPERATIONS);
    const run = new BulkRun(request.operations);
    const pending = [...request.operations];
    const limitReached = () => request.failOnErrors !== undefined && run.errors >= request.failOnErrors;

    while (pending.length > 0 && !limitReached()) {
      let next = pending.find((op) => run.classify(bulkIdReferences(op.path, op.data)).waiting.length === 0);
      let deferMembers = false;
      if (!next) {
        // Everything left waits on something else left: a circle. Only group members can be deferred.
        next = pending.find((op) => this.canDeferMembers(run, op));
        deferMembers = next !== undefined;
      }
      if (!next) {
        for (const op of pending) {
          if (limitReached()) break;
          this.fail(run, op, new ScimError(409, 'invalidValue', `Circular bulkId reference: ${[...run.classify(bulkIdReferences(op.path, op.data)).waiting].join(', ')}`));
        }
        break;
      }
      pending.splice(pending.indexOf(next), 1);
      await this.runOperation(cmd, run, next, deferMembers);
    }
    for (const deferred of run.deferred) await this.addDeferredMembers(cmd, run, deferred);

    const Operations = [...run.results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
    return { schemas: [SCIM_SCHEMAS.bulkResponse], Operations };
  }

  /** A POST /Groups whose only unresolved references are member values of groups still to be created. */
  private canDeferMembers(run: BulkRun, op: BulkOperation): boolean {
    if (op.method !== 'POST' || parseResourcePath(op.path)?.type !== 'Group' || !op.data) return false;
    const { members, ...rest } = op.data;
    if (!Array.isArray(members)) return false;
    return run.classify(bulkIdReferences(op.path, rest)).waiting.length === 0;
  }

  private async runOperation(cmd: ProcessBulkCommand, run: BulkRun, op: BulkOperation, deferMembers: boolean): Promise<void> {
    const references = run.classify(bulkIdReferences(op.path, op.data));
    if (references.undeclared.length > 0) {
      return this.fail(run, op, ScimError.badRequest('invalidValue', `No operation in this request declares bulkId ${references.undeclared.join(', ')}`));
    }
    if (references.failed.length > 0) {
      return this.fail(run, op, new ScimError(409, 'invalidValue', `Referenced bulkId ${references.failed.join(', ')} did not get created`));
    }
    const path = substitutePath(op.path, run.created);
    const target = parseResourcePath(path) as { type: ScimResourceTypeId; id?: string };
    let data = substituteBulkIds(op.data, run.created);
    let postponed: ScimJsonObject[] = [];
    if (deferMembers && data) {
      const members = data.members as ScimJsonObject[];
      const isWaiting = (m: ScimJsonObject) => typeof m?.value === 'string' && m.value.startsWith('bulkId:');
      postponed = members.filter(isWaiting);
      data = { ...data, members: members.filter((m) => !isWaiting(m)) };
    }
    const location = (id: string) => `${cmd.baseUrl}/${ENDPOINTS[target.type]}/${id}`;
    try {
      const { principal, baseUrl } = cmd;
      let written: StoredResource | undefined;
      if (op.method === 'POST') written = await this.commands.execute<CreateResourceCommand, StoredResource>(new CreateResourceCommand(principal, target.type, baseUrl, data));
      else if (op.method === 'PUT') written = await this.commands.execute<ReplaceResourceCommand, StoredResource>(new ReplaceResourceCommand(principal, target.type, baseUrl, target.id as string, data, op.version));
      else if (op.method === 'PATCH') written = await this.commands.execute<PatchResourceCommand, StoredResource>(new PatchResourceCommand(principal, target.type, baseUrl, target.id as string, data, op.version));
      else await this.commands.execute(new DeleteResourceCommand(principal, target.type, baseUrl, target.id as string, op.version));

      const id = written?.id ?? (target.id as string);
      if (op.method === 'POST' && op.bulkId !== undefined) run.created.set(op.bulkId, id);
      if (postponed.length > 0) run.deferred.push({ operation: op, groupId: id, members: postponed });
      run.results.set(op.index, {
        method: op.method,
        ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
        ...(written ? { version: etagOf(written) } : {}),
        location: location(id),
        status: op.method === 'POST' ? '201' : op.method === 'DELETE' ? '204' : '200',
      });
    } catch (err) {
      this.fail(run, op, this.toScimError(err), target.id !== undefined ? location(target.id) : undefined);
    }
  }

  /** Second half of a broken circle: adds the members that could not be named at creation time. */
  private async addDeferredMembers(cmd: ProcessBulkCommand, run: BulkRun, deferred: DeferredMembers): Promise<void> {
    const result = run.results.get(deferred.operation.index) as BulkOperationResult;
    const resolvable = deferred.members.filter((m) => run.created.has(String(m.value).slice('bulkId:'.length)));
    const missing = deferred.members.filter((m) => !resolvable.includes(m)).map((m) => String(m.value));
    try {
      if (resolvable.length > 0) {
        const patch = {
          schemas: [SCIM_SCHEMAS.patchOp],
          Operations: [{ op: 'add', path: 'members', value: substituteBulkIds(resolvable, run.created) }],
        };
        const updated = await this.commands.execute<PatchResourceCommand, StoredResource>(
          new PatchResourceCommand(cmd.principal, 'Group', cmd.baseUrl, deferred.groupId, patch),
        );
        result.version = etagOf(updated);
      }
      if (missing.length > 0) throw new ScimError(409, 'invalidValue', `Group created, but members ${missing.join(', ')} did not get created and were left out`);
    } catch (err) {
      const error = this.toScimError(err);
      result.status = String(error.status);
      result.response = error.toBody();
      run.errors++;
    }
  }

  private fail(run: BulkRun, op: BulkOperation, error: ScimError, location?: string): void {
    if (op.method === 'POST' && op.bulkId !== undefined) run.failedBulkIds.add(op.bulkId);
    run.errors++;
    run.results.set(op.index, {
      method: op.method,
      ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
      ...(location ? { location } : {}),
      status: String(error.status),
      response: error.toBody(),
    });
  }

  private toScimError(err: unknown): ScimError {
    if (err instanceof ScimError) return err;
    if (err instanceof HttpException) return new ScimError(err.getStatus(), undefined, err.message);
    const errorId = randomUUID();
    this.logger.error({ errorId, err }, 'bulk operation failed unexpectedly');
    return new ScimError(500, undefined, `Internal error (errorId ${errorId})`);
  }
}
