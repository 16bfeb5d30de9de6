import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ScimResourceController } from './scim-resource.controller';

@ApiTags('SCIM: Groups')
@Controller('scim/v2/Groups')
export class GroupsController extends ScimResourceController {
  protected readonly resourceType = 'Group' as const;
}
