import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown at start-up when a setting is missing or malformed; the message lists every problem at once. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[], prefix = '', env: NodeJS.ProcessEnv = {}): string[] {
  return errors.flatMap((e) => {
    // A value that is not a number at all gets one clear line, not every numeric constraint it fails.
    if (typeof e.value === 'number' && Number.isNaN(e.value)) {
      return [`${prefix}${e.property} must be a number (got ${JSON.stringify(env[e.property] ?? '')})`];
    }
    const own = Object.values(e.constraints ?? {}).map((m) => `${prefix}${m}`);
    return [...own, ...describe(e.children ?? [], `${prefix}${e.property}.`)];
  });
}

/** Env vars are strings: convert to the type of the setting's default (invalid numbers stay NaN and fail validation). */
function coerce(value: string, fallback: unknown): unknown {
  if (typeof fallback === 'number') return value.trim() === '' ? Number.NaN : Number(value);
  if (typeof fallback === 'boolean') {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    return value;
  }
  return value;
}

/**
 * Builds a typed, validated configuration object from environment variables. Classes declare
 * their settings as class-validator-decorated properties with defaults; unknown env vars are ignored.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    raw[key] = value === undefined || value === '' ? defaults[key] : coerce(value, defaults[key]);
  }
  const instance = plainToInstance(cls, raw, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigValidationError(describe(errors, '', env));
  return instance;
}
