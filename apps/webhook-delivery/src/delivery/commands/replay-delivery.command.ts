/** Send one finished (failed or delivered) delivery again, on a fresh retry schedule. */
export class ReplayDeliveryCommand {
  constructor(
    readonly tenantId: string,
    readonly deliveryId: string,
  ) {}
}
