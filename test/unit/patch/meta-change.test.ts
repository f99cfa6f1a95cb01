import { applyMetaChange, parseMetaSets } from '../../../src/fhir/patch/meta-change';

const S = 'urn:example:tags';
describe('$meta-add / $meta-delete on a resource', () => {
  const resource = { resourceType: 'Basic', id: 'b', meta: { versionId: '3', profile: ['http://p/1'], tag: [{ system: S, code: 'a', display: 'A' }] }, code: { text: 'x' } };

  it('adds each profile, tag and security label once (tags by system + code), keeping what is there', () => {
    const out = applyMetaChange(resource, { change: 'add', meta: { profile: ['http://p/1', 'http://p/2', 'http://p/2'], tag: [{ system: S, code: 'a', display: 'other' }, { code: 'a' }, { system: S, code: 'b' }, { system: S, code: 'b' }], security: [{ system: S, code: 'R' }] } });
    expect(out.meta).toEqual({ versionId: '3', profile: ['http://p/1', 'http://p/2'], tag: [{ system: S, code: 'a', display: 'A' }, { code: 'a' }, { system: S, code: 'b' }], security: [{ system: S, code: 'R' }] });
    expect(resource.meta.tag).toHaveLength(1);
  });

  it('deletes only the named entries and drops sets (and meta) left empty', () => {
    expect(applyMetaChange(resource, { change: 'delete', meta: { tag: [{ code: 'a' }], profile: ['http://p/9'] } }).meta).toEqual(resource.meta);
    expect(applyMetaChange(resource, { change: 'delete', meta: { tag: [{ system: S, code: 'a' }] } }).meta).toEqual({ versionId: '3', profile: ['http://p/1'] });
    const bare = { resourceType: 'Basic', meta: { tag: [{ system: S, code: 'a' }] } };
    expect(applyMetaChange(bare, { change: 'delete', meta: { tag: [{ system: S, code: 'a' }] } })).toEqual({ resourceType: 'Basic' });
  });

  it('reads the meta input and refuses what is not a Meta of Codings and URLs (400)', async () => {
    expect(parseMetaSets({ tag: [{ system: S, code: 'a' }], lastUpdated: 'x' }, 'meta')).toEqual({ tag: [{ system: S, code: 'a' }] });
    for (const bad of ['x', [], { tag: 'a' }, { tag: [{ system: S }] }, { security: [{ code: 1 }] }, { profile: [1] }, { profile: 'http://p' }, { tag: [{ code: 'a', display: '' }] }]) {
      await expect(Promise.resolve(bad).then((b) => parseMetaSets(b, 'meta'))).rejects.toMatchObject({ status: 400 });
    }
  });
});
