import { CreateResourceHandler } from './create-resource/create-resource.handler';
import { DeleteResourceHandler } from './delete-resource/delete-resource.handler';
import { PatchResourceHandler } from './patch-resource/patch-resource.handler';
import { ReplaceResourceHandler } from './replace-resource/replace-resource.handler';

export const CommandHandlers = [CreateResourceHandler, ReplaceResourceHandler, PatchResourceHandler, DeleteResourceHandler];
