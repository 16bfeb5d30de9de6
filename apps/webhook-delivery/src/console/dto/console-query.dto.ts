import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

/** A GET form sends empty fields as ''; they mean "no filter". */
const emptyAsUndefined = () => Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

/** What <input type="datetime-local"> sends (read as UTC). */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** The delivery log's filter form. */
export class DeliveryLogQueryDto {
  @emptyAsUndefined()
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @emptyAsUndefined()
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'], { message: 'outcome must be pending, delivered or failed' })
  status?: 'pending' | 'delivered' | 'failed';

  @emptyAsUndefined()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @emptyAsUndefined()
  @IsOptional()
  @Matches(LOCAL_DATE_TIME, { message: 'from must be a date and time, e.g. 2026-11-24T08:00' })
  since?: string;

  @emptyAsUndefined()
  @IsOptional()
  @Matches(LOCAL_DATE_TIME, { message: 'until must be a date and time, e.g. 2026-11-24T09:00' })
  until?: string;

  @emptyAsUndefined()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** The delivery page after a replay says so. */
export class DeliveryPageQueryDto {
  @emptyAsUndefined()
  @IsOptional()
  @IsIn(['1'])
  replayed?: string;
}

export class DeadLettersQueryDto {
  @emptyAsUndefined()
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @emptyAsUndefined()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** The sign-in form. */
export class SignInFormDto {
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  token?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

/** `2026-11-24T08:00` (UTC) → Date; undefined when absent or not a real time. */
export function utcDateTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
