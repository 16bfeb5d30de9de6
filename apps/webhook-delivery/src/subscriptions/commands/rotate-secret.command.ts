/** Issue a new signing secret; the previous ones keep signing for `gracePeriodSeconds`. */
export class RotateSecretCommand {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
    readonly gracePeriodSeconds: number,
  ) {}
}
