import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsoleReadModel, type MinuteFigures } from './console-read-model';
import { GetDeliveryChartsQuery } from './get-delivery-charts.query';

@QueryHandler(GetDeliveryChartsQuery)
export class GetDeliveryChartsHandler implements IQueryHandler<GetDeliveryChartsQuery, MinuteFigures[]> {
  constructor(private readonly readModel: ConsoleReadModel) {}

  execute({ tenantId }: GetDeliveryChartsQuery): Promise<MinuteFigures[]> {
    return this.readModel.lastHour(tenantId);
  }
}
