/**
 * RFC 7643 core schemas (User §4.1, Group §4.2, Enterprise User §4.3) transcribed from the
 * §8.7.1 schema representation. Omitted characteristics take the §2.2 defaults via `attribute()`,
 * which is exactly how §2.2 says a missing characteristic must be read.
 *
 * Deliberate deviations from the §8.7.1 text (each is a known inconsistency with §4):
 * - Group.displayName is `required: true` (§4.2 says REQUIRED; §8.7.1 says false).
 * - addresses gets the `primary` sub-attribute §4.1.2 defines and §8.2 uses but §8.7.1 omits.
 * - Group.members gets `display` (used by §8.4 and sent by Okta), immutable like its siblings.
 */
import {
  SCIM_SCHEMAS,
  type ScimAttributeDefinition,
  type ScimResourceTypeDefinition,
  type ScimSchemaDefinition,
} from './types';

type AttributeCharacteristics = Partial<Omit<ScimAttributeDefinition, 'name'>>;

/** Builds a definition with the RFC 7643 §2.2 defaults for every omitted characteristic. */
export function attribute(name: string, characteristics: AttributeCharacteristics = {}): ScimAttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...characteristics,
  };
}

const DISPLAY_READ_ONLY_TEXT = 'A human-readable name, primarily used for display purposes.  READ-ONLY.';
const PRIMARY_TEXT =
  "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once.";

/** The value/display/type/primary quartet shared by most multi-valued User attributes (§2.4). */
function multiValuedSubAttributes(options: {
  valueDescription: string;
  valueType?: 'string' | 'reference' | 'binary';
  typeDescription: string;
  canonicalTypes?: string[];
  primaryDescription?: string;
}): ScimAttributeDefinition[] {
  const value = attribute('value', { description: options.valueDescription, type: options.valueType ?? 'string' });
  if (options.valueType === 'reference') value.referenceTypes = ['external'];
  const type = attribute('type', { description: options.typeDescription });
  if (options.canonicalTypes) type.canonicalValues = options.canonicalTypes;
  return [
    value,
    attribute('display', { description: DISPLAY_READ_ONLY_TEXT }),
    type,
    attribute('primary', { type: 'boolean', description: options.primaryDescription ?? PRIMARY_TEXT }),
  ];
}

/** RFC 7643 §3.1 common attributes: part of every resource, not of any schema's attribute list. */
export const COMMON_ATTRIBUTES: readonly ScimAttributeDefinition[] = [
  attribute('id', {
    description:
      'A unique identifier for a SCIM resource as defined by the service provider.  Each representation of the resource MUST include a non-empty "id" value.',
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', {
    description: 'A String that is an identifier for the resource as defined by the provisioning client.',
    caseExact: true,
  }),
  attribute('meta', {
    type: 'complex',
    description: 'A complex attribute containing resource metadata.',
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', { description: 'The name of the resource type of the resource.', caseExact: true, mutability: 'readOnly' }),
      attribute('created', { type: 'dateTime', description: 'The "DateTime" that the resource was added to the service provider.', mutability: 'readOnly' }),
      attribute('lastModified', { type: 'dateTime', description: 'The most recent DateTime that the details of this resource were updated at the service provider.', mutability: 'readOnly' }),
      attribute('location', { type: 'reference', referenceTypes: ['uri'], description: 'The URI of the resource being returned.', caseExact: true, mutability: 'readOnly' }),
      attribute('version', { description: 'The version of the resource being returned.', caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

export const USER_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', {
      description:
        "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
      required: true,
      uniqueness: 'server',
    }),
    attribute('name', {
      type: 'complex',
      description:
        "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
      subAttributes: [
        attribute('formatted', { description: "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')." }),
        attribute('familyName', { description: "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')." }),
        attribute('givenName', { description: "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')." }),
        attribute('middleName', { description: "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')." }),
        attribute('honorificPrefix', { description: "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')." }),
        attribute('honorificSuffix', { description: "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')." }),
      ],
    }),
    attribute('displayName', { description: 'The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known.' }),
    attribute('nickName', { description: "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge')." }),
    attribute('profileUrl', { type: 'reference', referenceTypes: ['external'], description: "A fully qualified URL pointing to a page representing the User's online profile." }),
    attribute('title', { description: 'The user\'s title, such as "Vice President."' }),
    attribute('userType', { description: "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used." }),
    attribute('preferredLanguage', { description: "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US." }),
    attribute('locale', { description: "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations." }),
    attribute('timezone', { description: "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'." }),
    attribute('active', { type: 'boolean', description: "A Boolean value indicating the User's administrative status." }),
    attribute('password', {
      description:
        "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
      mutability: 'writeOnly',
      returned: 'never',
    }),
    attribute('emails', {
      type: 'complex',
      multiValued: true,
      description:
        "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
      subAttributes: multiValuedSubAttributes({
        valueDescription:
          "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
        typeDescription: "A label indicating the attribute's function, e.g., 'work' or 'home'.",
        canonicalTypes: ['work', 'home', 'other'],
        primaryDescription:
          "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once.",
      }),
    }),
    attribute('phoneNumbers', {
      type: 'complex',
      multiValued: true,
      description:
        "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
      subAttributes: multiValuedSubAttributes({
        valueDescription: 'Phone number of the User.',
        typeDescription: "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
        canonicalTypes: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
        primaryDescription:
          "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred phone number or primary phone number.  The primary attribute value 'true' MUST appear no more than once.",
      }),
    }),
    attribute('ims', {
      type: 'complex',
      multiValued: true,
      description: 'Instant messaging addresses for the User.',
      subAttributes: multiValuedSubAttributes({
        valueDescription: 'Instant messaging address for the User.',
        typeDescription: "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
        canonicalTypes: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
        primaryDescription:
          "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred messenger or primary messenger.  The primary attribute value 'true' MUST appear no more than once.",
      }),
    }),
    attribute('photos', {
      type: 'complex',
      multiValued: true,
      description: 'URLs of photos of the User.',
      subAttributes: multiValuedSubAttributes({
        valueDescription: 'URL of a photo of the User.',
        valueType: 'reference',
        typeDescription: "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
        canonicalTypes: ['photo', 'thumbnail'],
        primaryDescription:
          "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred photo or thumbnail.  The primary attribute value 'true' MUST appear no more than once.",
      }),
    }),
    attribute('addresses', {
      type: 'complex',
      multiValued: true,
      description:
        "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
      subAttributes: [
        attribute('formatted', { description: 'The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines.' }),
        attribute('streetAddress', { description: 'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines.' }),
        attribute('locality', { description: 'The city or locality component.' }),
        attribute('region', { description: 'The state or region component.' }),
        attribute('postalCode', { description: 'The zip code or postal code component.' }),
        attribute('country', { description: 'The country name component.' }),
        attribute('type', { description: "A label indicating the attribute's function, e.g., 'work' or 'home'.", canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', { type: 'boolean', description: "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address.  The primary attribute value 'true' MUST appear no more than once." }),
      ],
    }),
    attribute('groups', {
      type: 'complex',
      multiValued: true,
      description: 'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      mutability: 'readOnly',
      subAttributes: [
        attribute('value', { description: "The identifier of the User's group.", mutability: 'readOnly' }),
        attribute('$ref', { type: 'reference', referenceTypes: ['User', 'Group'], description: "The URI of the corresponding 'Group' resource to which the user belongs.", mutability: 'readOnly' }),
        attribute('display', { description: DISPLAY_READ_ONLY_TEXT, mutability: 'readOnly' }),
        attribute('type', { description: "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.", canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' }),
      ],
    }),
    attribute('entitlements', {
      type: 'complex',
      multiValued: true,
      description: 'A list of entitlements for the User that represent a thing the User has.',
      subAttributes: multiValuedSubAttributes({ valueDescription: 'The value of an entitlement.', typeDescription: "A label indicating the attribute's function." }),
    }),
    attribute('roles', {
      type: 'complex',
      multiValued: true,
      description: "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      subAttributes: multiValuedSubAttributes({ valueDescription: 'The value of a role.', typeDescription: "A label indicating the attribute's function.", canonicalTypes: [] }),
    }),
    attribute('x509Certificates', {
      type: 'complex',
      multiValued: true,
      description: 'A list of certificates issued to the User.',
      subAttributes: multiValuedSubAttributes({
        valueDescription: 'The value of an X.509 certificate.',
        valueType: 'binary',
        typeDescription: "A label indicating the attribute's function.",
        canonicalTypes: [],
      }),
    }),
  ],
};

export const GROUP_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', { description: 'A human-readable name for the Group. REQUIRED.', required: true }),
    attribute('members', {
      type: 'complex',
      multiValued: true,
      description: 'A list of members of the Group.',
      subAttributes: [
        attribute('value', { description: 'Identifier of the member of this Group.', mutability: 'immutable' }),
        attribute('$ref', {
          type: 'reference',
          referenceTypes: ['User', 'Group'],
          description: 'The URI corresponding to a SCIM resource that is a member of this Group.',
          mutability: 'immutable',
        }),
        attribute('type', {
          description: "A label indicating the type of resource, e.g., 'User' or 'Group'.",
          canonicalValues: ['User', 'Group'],
          mutability: 'immutable',
        }),
        attribute('display', { description: 'A human-readable name for the group member, primarily used for display purposes.', mutability: 'immutable' }),
      ],
    }),
  ],
};

export const ENTERPRISE_USER_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute('employeeNumber', { description: 'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.' }),
    attribute('costCenter', { description: 'Identifies the name of a cost center.' }),
    attribute('organization', { description: 'Identifies the name of an organization.' }),
    attribute('division', { description: 'Identifies the name of a division.' }),
    attribute('department', { description: 'Identifies the name of a department.' }),
    attribute('manager', {
      type: 'complex',
      description: "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
      subAttributes: [
        attribute('value', { description: "The id of the SCIM resource representing the User's manager.  REQUIRED." }),
        attribute('$ref', { type: 'reference', referenceTypes: ['User'], description: "The URI of the SCIM resource representing the User's manager.  REQUIRED." }),
        attribute('displayName', { description: "The displayName of the User's manager. OPTIONAL and READ-ONLY.", mutability: 'readOnly' }),
      ],
    }),
  ],
};

/** RFC 7643 §6 / §8.6 resource types; the registry appends configured extensions. */
export const CORE_RESOURCE_TYPES: readonly ScimResourceTypeDefinition[] = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: SCIM_SCHEMAS.user,
    schemaExtensions: [{ schema: SCIM_SCHEMAS.enterpriseUser, required: false }],
  },
  {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: SCIM_SCHEMAS.group,
    schemaExtensions: [],
  },
];
