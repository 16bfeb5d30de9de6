/** Small value helpers shared by the binder, the evaluator and normalizeForSearch. */

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Member lookup by case-insensitive name (SCIM attribute names and schema URNs are case-insensitive). */
export function getMemberIgnoringCase(object: unknown, name: string): unknown {
  if (!isJsonObject(object)) return undefined;
  if (Object.prototype.hasOwnProperty.call(object, name)) return object[name];
  const lowered = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lowered) return object[key];
  }
  return undefined;
}

/**
 * RFC 7644 `pr`: the value is non-empty. Null, "", [] and {} count as absent; the SQL compiler uses the same
 * shallow rule (`NOT IN ('null', '""', '[]', '{}')`) so both engines agree.
 */
export function isPresentValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return true;
}

// xsd:dateTime as used by SCIM (RFC 7643 §2.3.5). Fractions beyond milliseconds are accepted but ignored in memory.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an RFC 7643 dateTime strictly (calendar-validated). A missing offset means UTC, in both the evaluator
 * and the SQL compiler (which is handed `iso`, always carrying an offset), so the session TimeZone never matters.
 */
export function parseScimDateTime(text: string): { iso: string; epochMs: number } | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match as unknown as string[];
  const y = Number(year), mo = Number(month), d = Number(day), h = Number(hour), mi = Number(minute), s = Number(second);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  utc.setUTCFullYear(y); // Date.UTC maps years 0–99 to 1900–1999
  if (utc.getUTCDate() !== d || utc.getUTCMonth() !== mo - 1) return undefined;
  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMins = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const milliseconds = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const epochMs = utc.getTime() - offsetMinutes * 60_000 + milliseconds;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${offset === 'z' ? 'Z' : offset}`;
  return { iso, epochMs };
}

/**
 * Orders strings by Unicode code point, which is what PostgreSQL's "C" collation does on UTF-8 text
 * (plain `<` on JS strings compares UTF-16 units and disagrees for characters above U+FFFF).
 */
export function compareCodePoints(left: string, right: string): number {
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const a = left.codePointAt(i)!;
    const b = right.codePointAt(j)!;
    if (a !== b) return a < b ? -1 : 1;
    i += a > 0xffff ? 2 : 1;
    j += b > 0xffff ? 2 : 1;
  }
  const leftDone = i >= left.length;
  const rightDone = j >= right.length;
  return leftDone === rightDone ? 0 : leftDone ? -1 : 1;
}
