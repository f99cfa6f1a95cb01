import type { Operation, OperationContext } from '../../../src/interactions/operation';
import { composeModules } from '../../../src/modules/compose';

const op = (over: Partial<Operation>): Operation => ({
  name: 'apply',
  levels: ['instance'],
  methods: ['GET'],
  types: ['PlanDefinition'],
  definition: 'https://kolibri.test/OperationDefinition/apply',
  handler: async () => ({ status: 200, body: { resourceType: 'Parameters', parameter: [{ name: 'who', valueString: 'engine' }] } }),
  ...over,
});
const ctx = (method: 'GET' | 'POST', query: Record<string, string> = {}) => ({ method, query, body: undefined, format: 'json' }) as unknown as OperationContext;
const who = async (o: Operation, c: OperationContext) => ((await o.handler(c)).body as { parameter: Array<{ valueString: string }> }).parameter[0].valueString;

describe('composeModules: operations', () => {
  const overload = op({
    methods: ['GET', 'POST'],
    definition: 'https://national.test/OperationDefinition/apply',
    accepts: (c) => c.query.episodeOfCare !== undefined && Object.keys(c.query).length === 1,
    handler: async () => ({ status: 200, body: { resourceType: 'Parameters', parameter: [{ name: 'who', valueString: 'overload' }] } }),
  });

  it('joins an overload into the operation at the same name, levels and types: its shape first, the earlier one otherwise', async () => {
    const { operations } = composeModules([{ name: 'm', operations: [overload] }], { operations: [op({})] });
    expect(operations).toHaveLength(1);
    const joined = operations[0];
    expect(joined.methods).toEqual(['GET', 'POST']);
    expect([joined.definition, ...(joined.alsoDefinitions ?? [])]).toEqual(['https://kolibri.test/OperationDefinition/apply', 'https://national.test/OperationDefinition/apply']);
    expect(await who(joined, ctx('GET', { episodeOfCare: 'EpisodeOfCare/1' }))).toBe('overload');
    expect(await who(joined, ctx('GET', { episodeOfCare: 'EpisodeOfCare/1', persist: 'true' }))).toBe('engine');
  });

  it('keeps operations of one name at different levels apart', () => {
    const { operations } = composeModules([{ name: 'm', operations: [op({ levels: ['system'], types: undefined })] }], { operations: [op({})] });
    expect(operations.map((o) => o.levels[0])).toEqual(['instance', 'system']);
  });

  it.each([
    ['without accepts', op({ definition: 'x' })],
    ['with accepts at other types', { ...overload, types: ['PlanDefinition', 'ActivityDefinition'] }],
    ['with accepts at an overlapping, different set of levels', { ...overload, levels: ['type', 'instance'] as const }],
  ])('refuses a second operation of a name at a shared level and type %s', (_name, second) => {
    expect(() => composeModules([{ name: 'm', operations: [second as Operation] }], { operations: [op({})] })).toThrow('operation $apply is contributed twice');
  });
});

describe('composeModules: change consumers', () => {
  const consumer = (name: string) => ({ name, resourceTypes: ['ClinicalImpression'], handle: () => undefined });

  it("joins the modules' consumers in module order", () => {
    const { changeConsumers } = composeModules([{ name: 'a', changeConsumers: [consumer('a-1')] }, { name: 'b' }, { name: 'c', changeConsumers: [consumer('c-1'), consumer('c-2')] }], { operations: [] });
    expect(changeConsumers.map((c) => c.name)).toEqual(['a-1', 'c-1', 'c-2']);
  });

  it('refuses two consumers of one name (they would share one cursor in the change log)', () => {
    expect(() => composeModules([{ name: 'a', changeConsumers: [consumer('counts')] }, { name: 'b', changeConsumers: [consumer('counts')] }], { operations: [] })).toThrow(
      'change consumer counts is contributed twice',
    );
  });
});
