// Synthetic SCIM users for the benchmark, defined once and produced two ways that must agree:
//  - benchUserBody(i): the SCIM request body an IdP would POST (run through the gateway's validator
//    and normalizeForSearch by the bench to get the reference `data` / `norm` documents);
//  - usersSelectSql(): one SQL SELECT over generate_series producing the same rows in the exact
//    shape the gateway writes (scim-write.support.ts / scim-resource.store.ts), for bulk loading.
// The bench checks sample rows of the SQL output against the reference before loading anything.
import { createHash } from 'node:crypto';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Small vocabularies (bound as text[] parameters, so SQL and JS pick from the same lists).
export const GIVEN_NAMES = [
  'Ada', 'Alan', 'Barbara', 'Claude', 'Dennis', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan',
  'John', 'Katherine', 'Ken', 'Leslie', 'Linus', 'Margaret', 'Niklaus', 'Radia', 'Shafi', 'Tim',
  'Vint', 'Whitfield', 'Yukihiro', 'Zhang', 'Anita', 'Bjarne', 'Carol', 'Donald', 'Elena', 'Fran',
  'Guido', 'Hal', 'Ingrid', 'James', 'Karen', 'Larry', 'Mary', 'Noam', 'Olga', 'Peter',
];
export const FAMILY_NAMES = [
  'Lovelace', 'Turing', 'Liskov', 'Shannon', 'Ritchie', 'Dijkstra', 'Allen', 'Hopper', 'Lamarr', 'Sutherland',
  'McCarthy', 'Johnson', 'Thompson', 'Lamport', 'Torvalds', 'Hamilton', 'Wirth', 'Perlman', 'Goldwasser', 'Berners-Lee',
  'Cerf', 'Diffie', 'Matsumoto', 'Wei', 'Borg', 'Stroustrup', 'Shaw', 'Knuth', 'Ivanova', 'Kernighan',
  'Rossum', 'Abelson', 'Daubechies', 'Gosling', 'Jones', 'Page', 'Somerville', 'Chomsky', 'Petrova', 'Naur',
  'Backus', 'Hoare', 'Milner', 'Kay', 'Engelbart', 'Bell', 'Clarke', 'Floyd', 'Gray', 'Iverson',
];
export const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Legal', 'Support', 'Operations', 'Research', 'HR', 'Security', 'Design', 'IT'];
export const TITLES = ['Engineer', 'Senior Engineer', 'Staff Engineer', 'Manager', 'Director', 'Analyst', 'Account Executive', 'Designer'];

/** Users 1..9 have no manager; user i >= 10 reports to user floor(i / 10). */
const managerOf = (i: number): number | undefined => (i >= 10 ? Math.floor(i / 10) : undefined);

/** A v4-shaped UUID derived from md5(tenant:i), so the bench can name any loaded user's id without reading it. */
export function benchUserId(tenantId: string, i: number): string {
  const h = createHash('md5').update(`${tenantId}:${i}`).digest('hex');
  const s = `${h.slice(0, 12)}4${h.slice(13, 16)}8${h.slice(17)}`;
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function parts(i: number) {
  const given = GIVEN_NAMES[i % GIVEN_NAMES.length];
  const family = FAMILY_NAMES[Math.floor(i / GIVEN_NAMES.length) % FAMILY_NAMES.length];
  return { given, family };
}

/** Mixed case on purpose: userName/emails are caseExact=false (lowercased in `norm`), externalId is caseExact. */
export function benchUserName(i: number): string {
  const { given, family } = parts(i);
  return `${given}.${family}.${i}@example.com`;
}

export function benchExternalId(i: number): string {
  return `00uB${i.toString(16).padStart(8, '0')}`;
}

/** The SCIM body an IdP would send to create user i (what the gateway's validator receives). */
export function benchUserBody(tenantId: string, i: number): Record<string, unknown> {
  const { given, family } = parts(i);
  const userName = benchUserName(i);
  const manager = managerOf(i);
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    externalId: benchExternalId(i),
    userName,
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    displayName: `${given} ${family}`,
    title: TITLES[i % TITLES.length],
    active: i % 50 !== 0,
    emails: [{ value: userName, type: 'work', primary: true }],
    [ENTERPRISE_SCHEMA]: {
      employeeNumber: `E${i}`,
      department: DEPARTMENTS[i % DEPARTMENTS.length],
      ...(manager !== undefined ? { manager: { value: benchUserId(tenantId, manager) } } : {}),
    },
  };
}

/** SQL for benchUserId: md5 → v4-shaped uuid. `h` is an md5 hex expression. */
const uuidFromMd5 = (h: string) => `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18, 15))::uuid`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The SCIM document as SQL. `fold` wraps the values of caseExact=false string attributes: identity
 * for `data`, lower() for `norm` (normalizeForSearch lowercases exactly those; the values are ASCII,
 * where PostgreSQL's lower() and String#toLowerCase agree). Verified against the real function.
 */
function documentSql(fold: (expr: string) => string): string {
  return `jsonb_build_object(
      'schemas', jsonb_build_array(${lit(USER_SCHEMA)}, ${lit(ENTERPRISE_SCHEMA)}),
      'externalId', u.external_id,
      'userName', ${fold('u.user_name')},
      'name', jsonb_build_object('formatted', ${fold("u.given || ' ' || u.family")}, 'familyName', ${fold('u.family')}, 'givenName', ${fold('u.given')}),
      'displayName', ${fold("u.given || ' ' || u.family")},
      'title', ${fold('u.title')},
      'active', u.active,
      'emails', jsonb_build_array(jsonb_build_object('value', ${fold('u.user_name')}, 'type', 'work', 'primary', true)),
      ${lit(ENTERPRISE_SCHEMA)}, jsonb_build_object('employeeNumber', ${fold("'E' || u.i")}, 'department', ${fold('u.department')})
        || CASE WHEN u.manager_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('manager', jsonb_build_object('value', u.manager_id)) END
    )`;
}

/**
 * SELECT producing scim_resources rows for users from..to of a tenant, columns in INSERT order:
 * id, tenant_id, resource_type, user_name, external_id, display_name, active, data, norm, version, created_at, updated_at.
 * Parameters: $1 tenant id, $2 from, $3 to, $4 given names, $5 family names, $6 departments, $7 titles, $8 total users
 * (created_at is spread over the last N milliseconds so list order by created_at is stable and realistic).
 */
export function usersSelectSql(): string {
  return `SELECT u.id, $1::uuid, 'User', u.user_name, u.external_id, u.given || ' ' || u.family, u.active,
       ${documentSql((e) => e)},
       ${documentSql((e) => `lower(${e})`)},
       1, u.created, u.created
  FROM (
    SELECT g.i,
           ${uuidFromMd5(`md5($1::text || ':' || g.i)`)} AS id,
           CASE WHEN g.i >= 10 THEN ${uuidFromMd5(`md5($1::text || ':' || (g.i / 10))`)}::text END AS manager_id,
           n.given, n.family,
           n.given || '.' || n.family || '.' || g.i || '@example.com' AS user_name,
           '00uB' || lpad(to_hex(g.i), 8, '0') AS external_id,
           ($6::text[])[1 + g.i % cardinality($6::text[])] AS department,
           ($7::text[])[1 + g.i % cardinality($7::text[])] AS title,
           g.i % 50 <> 0 AS active,
           now() - ($8::int - g.i) * interval '1 millisecond' AS created
      FROM generate_series($2::int, $3::int) AS g(i)
      CROSS JOIN LATERAL (
        SELECT ($4::text[])[1 + g.i % cardinality($4::text[])] AS given,
               ($5::text[])[1 + (g.i / cardinality($4::text[])) % cardinality($5::text[])] AS family
      ) n
  ) u`;
}

export function usersSelectParams(tenantId: string, from: number, to: number, total: number): unknown[] {
  return [tenantId, from, to, GIVEN_NAMES, FAMILY_NAMES, DEPARTMENTS, TITLES, total];
}
