import {
  ACTIVITY_STATUS,
  buildAddActivitiesResponse,
  MAX_ACTIVITIES_BODY_BYTES,
  parseAddActivitiesBody,
  supportedActivities,
  type ParsedActivity,
  type WopiActivity,
} from '../../src/protocol/activities';

/** Parses a body that must be valid, returning its activities. */
function parsed(body: unknown): ParsedActivity[] {
  const result = parseAddActivitiesBody(typeof body === 'string' ? body : JSON.stringify(body));
  if (!result.ok) throw new Error(`expected a valid body, got: ${result.reason}`);
  return result.activities;
}

const MINIMAL_COMMENT = { Type: 'comment', Id: 'A-1', Data: { ContentId: 'cid', ContentAction: 'created' } };

describe('constants', () => {
  test('statuses: 0 success, 3 unsupported (the values the WOPI validator accepts)', () => {
    expect(ACTIVITY_STATUS).toEqual({ success: 0, unsupported: 3 });
    expect(Object.isFrozen(ACTIVITY_STATUS)).toBe(true);
  });

  test('the body limit is 1 MiB', () => {
    expect(MAX_ACTIVITIES_BODY_BYTES).toBe(1_048_576);
  });
});

describe('parseAddActivitiesBody: bodies that are not a list of activities', () => {
  test.each([
    ['an empty body', '', 'The body is not JSON'],
    ['text', 'hello', 'The body is not JSON'],
    ['truncated JSON', '{"Activities": [', 'The body is not JSON'],
    ['JSON null', 'null', 'The body is not a JSON object'],
    ['a JSON array', '[{"Type":"comment","Id":"x"}]', 'The body is not a JSON object'],
    ['a JSON string', '"Activities"', 'The body is not a JSON object'],
    ['an object without Activities', '{}', 'The body has no Activities array'],
    ['Activities in another case', '{"activities": []}', 'The body has no Activities array'],
    ['Activities an object', '{"Activities": {"Id": "x"}}', 'The body has no Activities array'],
    ['Activities null', '{"Activities": null}', 'The body has no Activities array'],
    ['an activity that is a number', '{"Activities": [1]}', 'Activity 0 is not a JSON object'],
    ['an activity that is null', '{"Activities": [null]}', 'Activity 0 is not a JSON object'],
    ['an activity that is an array', '{"Activities": [[]]}', 'Activity 0 is not a JSON object'],
    ['an activity without Id', '{"Activities": [{"Type": "comment"}]}', 'Activity 0 has no Id'],
    ['an activity with an empty Id', '{"Activities": [{"Type": "comment", "Id": ""}]}', 'Activity 0 has no Id'],
    ['an activity with a numeric Id', '{"Activities": [{"Type": "comment", "Id": 7}]}', 'Activity 0 has no Id'],
    ['an activity with a null Id', '{"Activities": [{"Type": "comment", "Id": null}]}', 'Activity 0 has no Id'],
    ['an activity with "id" (lower case) only', '{"Activities": [{"Type": "comment", "id": "x"}]}', 'Activity 0 has no Id'],
    [
      'a second activity without Id (the first is fine)',
      JSON.stringify({ Activities: [MINIMAL_COMMENT, { Type: 'comment' }] }),
      'Activity 1 has no Id',
    ],
    ['an Id inherited, not own', '{"Activities": [{"__proto__": {"Id": "x"}}]}', 'Activity 0 has no Id'],
  ])('%s → %s', (_label, text, reason) => {
    expect(parseAddActivitiesBody(text)).toEqual({ ok: false, reason });
  });
});

describe('parseAddActivitiesBody: activities', () => {
  test('an empty Activities array is valid and has no activities', () => {
    expect(parsed({ Activities: [] })).toEqual([]);
  });

  test('a UTF-8 byte order mark before the JSON is ignored', () => {
    expect(parsed(`\uFEFF${JSON.stringify({ Activities: [MINIMAL_COMMENT] })}`)).toHaveLength(1);
  });

  test('a minimal comment: typed data, no people, raw kept', () => {
    expect(parsed({ Activities: [MINIMAL_COMMENT] })).toEqual([
      {
        supported: true,
        activity: { type: 'comment', id: 'A-1', data: { contentId: 'cid', contentAction: 'created' }, people: [], raw: MINIMAL_COMMENT },
      },
    ]);
  });

  test('a full comment with people: every typed property', () => {
    const raw = {
      Type: 'comment',
      Id: '00000001-0000-0000-0000-000000000000',
      Timestamp: '2017-03-15T13:47:13000000Z',
      Data: { CommentText: 'basic text', ContentId: 'cid123', NavigationId: 'nid123', ContentAction: 'created', IsReply: true },
      People: [
        { Name: 'John Able', Id: '111', Provider: 'wopi-contoso', Mentioned: true },
        { Name: 'Jane Baker', Id: '222', Provider: 'wopi-contoso', InThread: true },
        { Name: 'Pat Charlie', Id: '333', Provider: 'wopi-contoso', InThread: true, RepliedTo: true, BonusProperty: 'kept in raw' },
      ],
    };
    expect(parsed({ Activities: [raw] })).toEqual([
      {
        supported: true,
        activity: {
          type: 'comment',
          id: '00000001-0000-0000-0000-000000000000',
          timestamp: '2017-03-15T13:47:13000000Z',
          data: { contentId: 'cid123', contentAction: 'created', navigationId: 'nid123', commentText: 'basic text', isReply: true },
          people: [
            {
              id: '111',
              name: 'John Able',
              provider: 'wopi-contoso',
              mentioned: true,
              inThread: false,
              repliedTo: false,
              raw: raw.People[0],
            },
            {
              id: '222',
              name: 'Jane Baker',
              provider: 'wopi-contoso',
              mentioned: false,
              inThread: true,
              repliedTo: false,
              raw: raw.People[1],
            },
            {
              id: '333',
              name: 'Pat Charlie',
              provider: 'wopi-contoso',
              mentioned: false,
              inThread: true,
              repliedTo: true,
              raw: raw.People[2],
            },
          ],
          raw,
        },
      },
    ]);
  });

  const comment = (overrides: Record<string, unknown>) => ({ ...MINIMAL_COMMENT, ...overrides });
  const data = (overrides: Record<string, unknown>) => comment({ Data: { ...MINIMAL_COMMENT.Data, ...overrides } });

  test.each<[string, Record<string, unknown>, Partial<Extract<WopiActivity, { type: 'comment' }>>]>([
    ['ContentAction "edited"', data({ ContentAction: 'edited' }), { data: { contentId: 'cid', contentAction: 'edited' } }],
    ['ContentAction "deleted"', data({ ContentAction: 'deleted' }), { data: { contentId: 'cid', contentAction: 'deleted' } }],
    [
      'ContentAction "updated" (the validator\'s), passed on as sent',
      data({ ContentAction: 'updated' }),
      { data: { contentId: 'cid', contentAction: 'updated' } },
    ],
    ['an empty ContentId (still a string)', data({ ContentId: '' }), { data: { contentId: '', contentAction: 'created' } }],
    [
      'a 1024-character ContentId, kept whole',
      data({ ContentId: 'x'.repeat(1024) }),
      { data: { contentId: 'x'.repeat(1024), contentAction: 'created' } },
    ],
    ['IsReply false', data({ IsReply: false }), { data: { contentId: 'cid', contentAction: 'created', isReply: false } }],
    ['IsReply "true" (a string): left out', data({ IsReply: 'true' }), { data: { contentId: 'cid', contentAction: 'created' } }],
    ['CommentText a number: left out', data({ CommentText: 42 }), { data: { contentId: 'cid', contentAction: 'created' } }],
    ['NavigationId null: left out', data({ NavigationId: null }), { data: { contentId: 'cid', contentAction: 'created' } }],
    ['a bonus Data property: ignored', data({ BonusProperty: 'future' }), { data: { contentId: 'cid', contentAction: 'created' } }],
    ['a bonus top-level property: ignored', comment({ BonusTopLevelProperty: 'future' }), { id: 'A-1' }],
    ['"Created" instead of "Timestamp": no timestamp', comment({ Created: '2017-02-15T13:47:13000000Z' }), { timestamp: undefined }],
    ['Timestamp a number: no timestamp', comment({ Timestamp: 1 }), { timestamp: undefined }],
    ['Type "Comment" (another case): a comment', comment({ Type: 'Comment' }), { type: 'comment' }],
    [
      'an Id in capitals: kept exactly',
      comment({ Id: '00000002-ABCD-ABCD-ABCD-ABCDEFABCDEF' }),
      { id: '00000002-ABCD-ABCD-ABCD-ABCDEFABCDEF' },
    ],
    ['an Id with spaces around it: kept exactly', comment({ Id: ' a b ' }), { id: ' a b ' }],
    ['People not an array: no people', comment({ People: { Name: 'x' } }), { people: [] }],
    [
      'People entries that are not objects: left out',
      comment({ People: ['x', null, 3, { Id: '1' }] }),
      { people: [{ id: '1', mentioned: false, inThread: false, repliedTo: false, raw: { Id: '1' } }] },
    ],
    [
      'a person with a non-WOPI provider and odd types',
      comment({ People: [{ Name: 7, Id: '{00000000-0000-0000-0000-000000000000}', Provider: 'Windows Live', Mentioned: 'yes' }] }),
      {
        people: [
          {
            id: '{00000000-0000-0000-0000-000000000000}',
            provider: 'Windows Live',
            mentioned: false,
            inThread: false,
            repliedTo: false,
            raw: { Name: 7, Id: '{00000000-0000-0000-0000-000000000000}', Provider: 'Windows Live', Mentioned: 'yes' },
          },
        ],
      },
    ],
  ])('%s', (_label, raw, expected) => {
    const [entry] = parsed({ Activities: [raw] });
    expect(entry?.supported).toBe(true);
    const { timestamp, ...rest } = expected;
    expect(entry?.activity).toMatchObject({ ...rest, ...(timestamp === undefined ? {} : { timestamp }), raw });
    if ('timestamp' in expected && timestamp === undefined) expect(entry?.activity).not.toHaveProperty('timestamp');
  });

  test.each([
    [
      'an unknown type',
      { Type: 'unsupported', Id: 'u1', Data: { ContentId: 'cid', ContentAction: 'created' } },
      'unsupported',
      'Unsupported activity type',
    ],
    ['an unknown type without Data', { Type: 'unsupported', Id: 'u1' }, 'unsupported', 'Unsupported activity type'],
    ['no Type', { Id: 'u1' }, '', 'Unsupported activity type'],
    ['a Type that is not a string', { Type: 1, Id: 'u1' }, '', 'Unsupported activity type'],
    ['a comment without Data', { Type: 'comment', Id: 'u1' }, 'comment', 'Comment activity without a ContentId and ContentAction'],
    [
      'a comment whose Data is an array',
      { Type: 'comment', Id: 'u1', Data: [] },
      'comment',
      'Comment activity without a ContentId and ContentAction',
    ],
    [
      'a comment without ContentId',
      { Type: 'comment', Id: 'u1', Data: { ContentAction: 'created' } },
      'comment',
      'Comment activity without a ContentId and ContentAction',
    ],
    [
      'a comment without ContentAction',
      { Type: 'comment', Id: 'u1', Data: { ContentId: 'c' } },
      'comment',
      'Comment activity without a ContentId and ContentAction',
    ],
    [
      'a comment with a numeric ContentId',
      { Type: 'comment', Id: 'u1', Data: { ContentId: 1, ContentAction: 'created' } },
      'comment',
      'Comment activity without a ContentId and ContentAction',
    ],
  ])('%s → unsupported, kept with its type and raw', (_label, raw, type, reason) => {
    expect(parsed({ Activities: [raw] })).toEqual([{ supported: false, activity: { type, id: 'u1', reason, raw } }]);
  });

  test('activities keep their request order; duplicate Ids are kept as sent', () => {
    const body = {
      Activities: [comment({ Id: 'c' }), { Type: 'bogus', Id: 'b' }, comment({ Id: 'a' }), comment({ Id: 'a' })],
    };
    expect(parsed(body).map((p) => [p.activity.id, p.supported])).toEqual([
      ['c', true],
      ['b', false],
      ['a', true],
      ['a', true],
    ]);
  });
});

describe('buildAddActivitiesResponse and supportedActivities', () => {
  const body = {
    Activities: [
      { Type: 'comment', Id: '0000000f-0000-0000-0000-000000000000', Data: { ContentId: 'cid123', ContentAction: 'created' } },
      { Type: 'unsupported', Id: '00000010-0000-0000-0000-000000000000' },
      { Type: 'comment', Id: 'AbC', Data: {} },
      { Type: 'comment', Id: 'last', Data: { ContentId: 'x', ContentAction: 'deleted' } },
    ],
  };

  test('one response per activity, in order, with its exact Id: 0 for supported, 3 with a Message otherwise', () => {
    expect(buildAddActivitiesResponse(parsed(body))).toEqual({
      ActivityResponses: [
        { Id: '0000000f-0000-0000-0000-000000000000', Status: 0 },
        { Id: '00000010-0000-0000-0000-000000000000', Status: 3, Message: 'Unsupported activity type' },
        { Id: 'AbC', Status: 3, Message: 'Comment activity without a ContentId and ContentAction' },
        { Id: 'last', Status: 0 },
      ],
    });
  });

  test('no activities → an empty ActivityResponses array', () => {
    expect(buildAddActivitiesResponse([])).toEqual({ ActivityResponses: [] });
  });

  test('supportedActivities keeps the supported ones, in order', () => {
    expect(supportedActivities(parsed(body)).map((a) => a.id)).toEqual(['0000000f-0000-0000-0000-000000000000', 'last']);
  });
});
