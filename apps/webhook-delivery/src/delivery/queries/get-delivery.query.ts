/** One delivery with its attempt log. */
export class GetDeliveryQuery {
  constructor(
    readonly tenantId: string,
    readonly deliveryId: string,
  ) {}
}
