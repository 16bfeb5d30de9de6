import { SCIM_SCHEMAS } from '../../schema/types';
import { SchemaAttributeResolver } from '../attribute-resolver';
import type { JsonObject } from '../scim-values';
import { TEST_ENTERPRISE_USER_SCHEMA, TEST_EXTRA_SCHEMA, TEST_EXTRA_SCHEMA_URN, TEST_GROUP_SCHEMA, TEST_USER_SCHEMA } from './test-schemas';

/** Test-only resources: mixed case, empty values, LIKE metacharacters, non-ASCII, astral characters, extensions. */

export const userResolver = new SchemaAttributeResolver(TEST_USER_SCHEMA, [TEST_ENTERPRISE_USER_SCHEMA, TEST_EXTRA_SCHEMA]);
export const groupResolver = new SchemaAttributeResolver(TEST_GROUP_SCHEMA);

const ENTERPRISE = SCIM_SCHEMAS.enterpriseUser;
const EXTRA = TEST_EXTRA_SCHEMA_URN;

export const USER_IDS = {
  bjensen: '2819c223-7f76-453a-919d-413861904646',
  jsmith: '26118915-6090-4610-87e4-49d8ca9f808d',
  intern: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a01',
  omalley: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a02',
  likeChars: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a03',
  unicode: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a04',
  minimal: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a05',
  lowerEmployee: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a06',
  upperWork: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a07',
  externalLower: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a08',
  nulls: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a09',
  numbers: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a0a',
  emoji: '0b1c6a52-55c4-4b45-a0b5-41f5bd1b2a0b',
} as const;

function meta(resourceType: string, created: string, lastModified: string, version: number): JsonObject {
  return { resourceType, created, lastModified, version: `W/"${version}"` };
}

const USER_SCHEMAS = [SCIM_SCHEMAS.user];
const ENTERPRISE_SCHEMAS = [SCIM_SCHEMAS.user, ENTERPRISE];

export const TEST_USERS: readonly JsonObject[] = [
  {
    schemas: [SCIM_SCHEMAS.user, ENTERPRISE, EXTRA],
    id: USER_IDS.bjensen,
    externalId: 'bjensen',
    userName: 'bjensen',
    name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    displayName: 'Babs Jensen',
    title: 'Tour Guide',
    userType: 'Employee',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    ims: [{ value: 'someaimhandle', type: 'aim' }],
    [ENTERPRISE]: {
      employeeNumber: '701984',
      costCenter: '4130',
      organization: 'Universal Studios',
      department: 'Tour Operations',
      manager: { value: USER_IDS.jsmith, displayName: 'John Smith' },
    },
    [EXTRA]: {
      level: 3,
      score: 4.5,
      hiredAt: '2010-01-23T04:56:22Z',
      badge: 'Gold',
      tags: ['Alpha', 'beta'],
      certifications: [
        { value: 'AWS', level: 2, earnedAt: '2015-06-01T00:00:00Z', primary: false },
        { value: 'GCP', level: 5, earnedAt: '2019-06-01T00:00:00Z', primary: true },
      ],
    },
    meta: meta('User', '2010-01-23T04:56:22Z', '2011-05-13T04:42:34Z', 3),
  },
  {
    schemas: [SCIM_SCHEMAS.user, ENTERPRISE, EXTRA],
    id: USER_IDS.jsmith,
    externalId: 'EXT-JS',
    userName: 'JSmith@Example.COM',
    displayName: 'John Smith',
    title: 'Manager',
    userType: 'Employee',
    active: true,
    emails: [
      { value: 'John.Smith@Example.com', type: 'work' },
      { value: 'js@example.org', type: 'home', primary: true },
    ],
    [ENTERPRISE]: { employeeNumber: '100', department: 'Management' },
    [EXTRA]: { level: 10, score: 7, hiredAt: '2008-05-05T10:00:00+02:00', badge: 'gold', tags: ['ALPHA'] },
    meta: meta('User', '2008-05-05T08:00:00Z', '2011-05-13T04:42:34Z', 7),
  },
  {
    schemas: [SCIM_SCHEMAS.user, EXTRA],
    id: USER_IDS.intern,
    userName: 'kim.intern',
    displayName: 'Kim',
    userType: 'Intern',
    active: false,
    emails: [{ value: 'kim@foo.com', type: 'work' }],
    ims: [{ value: 'kim@foo.com', type: 'xmpp' }],
    [EXTRA]: { level: 1, hiredAt: '2023-09-01T08:00:00.250Z', tags: [] },
    meta: meta('User', '2023-09-01T08:00:00.250Z', '2023-09-02T08:00:00Z', 1),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.omalley,
    userName: 'omalley',
    name: { familyName: "O'Malley", givenName: 'Pat' },
    title: '',
    userType: 'Contractor',
    emails: [],
    active: true,
    meta: meta('User', '2011-05-13T04:42:34Z', '2011-05-13T04:42:34Z', 1),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.likeChars,
    userName: '100%_real\\user',
    displayName: '50% Off_Sale',
    title: 'a_b%c\\d',
    emails: [{ value: 'percent%@example.com', type: 'other' }],
    meta: meta('User', '2011-05-13T04:42:35Z', '2012-01-01T00:00:00Z', 2),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.unicode,
    userName: 'Ærøskøbing',
    displayName: 'ÅSA Ünïcode',
    title: 'STRASSE',
    nickName: 'Ärger',
    emails: [{ value: 'ÆØ@Example.dk', type: 'work' }],
    meta: meta('User', '2011-05-13T04:42:33Z', '2011-05-13T04:42:33Z', 1),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.minimal,
    userName: 'minimal',
    meta: meta('User', '2020-02-29T12:00:00Z', '2020-02-29T12:00:00Z', 1),
  },
  {
    schemas: ENTERPRISE_SCHEMAS,
    id: USER_IDS.lowerEmployee,
    externalId: 'lower-employee',
    userName: 'lower.employee',
    displayName: 'lower employee',
    title: 'tour guide',
    userType: 'employee',
    active: true,
    emails: [
      { value: 'LOWER@example.com', type: 'work', primary: false },
      { value: 'lower@example.org', type: 'home', primary: false },
    ],
    [ENTERPRISE]: { employeeNumber: '701985', manager: { value: USER_IDS.bjensen } },
    meta: meta('User', '2015-01-01T00:00:00Z', '2015-06-01T00:00:00Z', 4),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.upperWork,
    userName: 'UPPER.WORK',
    userType: 'Employee',
    emails: [{ value: 'Upper@EXAMPLE.COM', type: 'Work' }],
    ims: [{ value: 'upper@foo.com', type: 'XMPP' }],
    meta: meta('User', '2016-01-01T00:00:00+01:00', '2016-01-01T00:00:00Z', 1),
  },
  {
    schemas: [SCIM_SCHEMAS.user, EXTRA],
    id: USER_IDS.externalLower,
    externalId: 'ext-js',
    userName: 'ext.lower',
    [EXTRA]: { tags: ['beta', 'Gamma'], badge: 'GOLD' },
    meta: meta('User', '2017-01-01T00:00:00Z', '2017-01-01T00:00:00Z', 1),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.nulls,
    userName: 'nulls',
    title: null,
    name: { givenName: null },
    emails: [{ value: null, type: 'work' }],
    meta: meta('User', '2018-01-01T00:00:00Z', '2018-01-01T00:00:00Z', 1),
  },
  {
    schemas: [SCIM_SCHEMAS.user, EXTRA],
    id: USER_IDS.numbers,
    userName: 'numbers',
    displayName: '\ufffd replacement',
    [EXTRA]: {
      level: 0,
      score: -1.25,
      hiredAt: '2010-01-22T23:56:22-05:00',
      certifications: [{ value: 'CKA', level: 3, earnedAt: '2021-01-01T00:00:00Z' }],
    },
    meta: meta('User', '2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', 12),
  },
  {
    schemas: USER_SCHEMAS,
    id: USER_IDS.emoji,
    userName: 'emoji',
    displayName: '😀 Emoji',
    meta: meta('User', '2019-01-02T00:00:00Z', '2019-01-02T00:00:00Z', 1),
  },
];

export const GROUP_IDS = {
  tourGuides: 'e9e30dba-f08f-4109-8486-d5c6a3316111',
  admins: 'e9e30dba-f08f-4109-8486-d5c6a3316112',
  empty: 'e9e30dba-f08f-4109-8486-d5c6a3316113',
} as const;

export const TEST_GROUPS: readonly JsonObject[] = [
  {
    schemas: [SCIM_SCHEMAS.group],
    id: GROUP_IDS.tourGuides,
    externalId: 'Tour-Guides',
    displayName: 'Tour Guides',
    members: [
      { value: USER_IDS.bjensen, type: 'User', display: 'Babs Jensen' },
      { value: USER_IDS.lowerEmployee, type: 'User' },
    ],
    meta: meta('Group', '2010-01-23T04:56:22Z', '2011-05-13T04:42:34Z', 2),
  },
  {
    schemas: [SCIM_SCHEMAS.group],
    id: GROUP_IDS.admins,
    displayName: 'Admins',
    members: [
      { value: USER_IDS.jsmith, type: 'User' },
      { value: GROUP_IDS.tourGuides, type: 'Group' },
    ],
    meta: meta('Group', '2012-01-01T00:00:00Z', '2012-01-01T00:00:00Z', 1),
  },
  {
    schemas: [SCIM_SCHEMAS.group],
    id: GROUP_IDS.empty,
    externalId: 'tour-guides',
    displayName: 'empty group',
    members: [],
    meta: meta('Group', '2013-01-01T00:00:00Z', '2013-01-01T00:00:00Z', 1),
  },
];

/** The stored `data` document: the resource without id/meta (those live in columns). */
export function toStoredData(resource: JsonObject): JsonObject {
  const { id: _id, meta: _meta, ...data } = resource;
  return data;
}
