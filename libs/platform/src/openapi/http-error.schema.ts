import { ApiProperty } from '@nestjs/swagger';

/** The JSON body of an admin API error (Nest's HttpException rendering), for @ApiResponse. */
export class HttpErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What was wrong; validation errors list one message per field',
    example: ['name must be 1-63 characters: letters, digits, . _ - (starting with a letter or digit)'],
  })
  message!: string | string[];

  @ApiProperty({ example: 'Bad Request', required: false })
  error?: string;
}
