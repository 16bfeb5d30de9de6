import { GetResourceHandler } from './get-resource/get-resource.handler';
import { ListResourcesHandler } from './list-resources/list-resources.handler';

export const QueryHandlers = [GetResourceHandler, ListResourcesHandler];
