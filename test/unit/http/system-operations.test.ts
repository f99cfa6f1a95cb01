import { systemOperations, withOperations, type Operation } from '../../../src/http/routes/operations';

const op = (name: string, levels: Operation['levels'], types?: string[]): Operation => ({
  name,
  levels,
  methods: ['GET'],
  definition: `https://example.org/OperationDefinition/${name}`,
  ...(types ? { types } : {}),
  handler: async () => ({ status: 200 }),
});

describe('operation table → CapabilityStatement', () => {
  const table = [op('whole', ['system']), op('both', ['system', 'type']), op('one', ['instance'], ['Patient'])];

  it('lists system-level operations as rest.operation', () => {
    expect(systemOperations(table)).toEqual([
      { name: 'whole', definition: 'https://example.org/OperationDefinition/whole' },
      { name: 'both', definition: 'https://example.org/OperationDefinition/both' },
    ]);
  });

  it('lists type- and instance-level operations on the resources they apply to', () => {
    expect(withOperations({ type: 'Patient' }, table).operation?.map((o) => o.name)).toEqual(['both', 'one']);
    expect(withOperations({ type: 'Observation' }, table).operation?.map((o) => o.name)).toEqual(['both']);
  });
});
