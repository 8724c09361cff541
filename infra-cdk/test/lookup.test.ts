import { readTableDefinition } from '../lib/logwrangler-stack';
import { asList, logicalId, resources, roleStatements, synth } from './helpers';

/** The read API: the table from its one definition file, a read-only function, six GET routes. */
const { template } = synth();
const def = readTableDefinition();

const pathOf = (id: string): string => {
  const all = resources(template, 'AWS::ApiGateway::Resource');
  const parts: string[] = [];
  let cur: any = all[id];
  while (cur) {
    parts.unshift(cur.Properties.PathPart);
    cur = cur.Properties.ParentId?.Ref ? all[cur.Properties.ParentId.Ref] : undefined;
  }
  return '/' + parts.join('/');
};

describe('summary table', () => {
  test('keys, indexes and TTL come from config/table.json', () => {
    const table = resources(template, 'AWS::DynamoDB::Table')[logicalId(template, 'AWS::DynamoDB::Table', 'SummaryTable')].Properties;
    expect(table.KeySchema).toEqual([
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: def.timeToLiveAttribute, Enabled: true });
    expect(
      table.GlobalSecondaryIndexes.map((g: any) => [g.IndexName, g.KeySchema.map((k: any) => k.AttributeName), g.Projection.ProjectionType]),
    ).toEqual(def.globalSecondaryIndexes.map((g) => [g.indexName, [g.partitionKey, g.sortKey], 'ALL']));
    expect(def.globalSecondaryIndexes.map((g) => g.indexName)).toEqual(['gsi1', 'gsi2']);
  });
});

describe('lookup function', () => {
  test('its role reads the table with Query only: no write, no secret', () => {
    const stmts = roleStatements(template, 'LookupRole');
    const actions = stmts.flatMap((s) => asList(s.Action));
    expect(actions.sort()).toEqual(['dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    const query = stmts.find((s) => asList(s.Action).includes('dynamodb:Query'));
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', 'SummaryTable');
    expect(query.Resource).toHaveLength(1 + def.globalSecondaryIndexes.length);
    expect(JSON.stringify(query.Resource)).toContain(tableId);
    for (const g of def.globalSecondaryIndexes) expect(JSON.stringify(query.Resource)).toContain(`/index/${g.indexName}`);
  });

  test('arm64 custom runtime, no environment (the table comes as a stage variable)', () => {
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'LookupFunction');
    const fn = resources(template, 'AWS::Lambda::Function')[fnId].Properties;
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Runtime).toBe('provided.al2023');
    expect(fn.Environment).toBeUndefined();
    expect(fn.Role['Fn::GetAtt'][0]).toBe(logicalId(template, 'AWS::IAM::Role', 'LookupRole'));
  });
});

describe('read API routes', () => {
  const getRoutes = (t: typeof template) =>
    Object.values(resources(t, 'AWS::ApiGateway::Method')).filter((m) => m.Properties.HttpMethod === 'GET');

  test('GET on the lookup function, IAM-authorised like POST /logs; the table as a stage variable', () => {
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'LookupFunction');
    const gets = getRoutes(template);
    expect(gets.map((m) => pathOf(m.Properties.ResourceId.Ref))).toEqual(['/{proxy+}']);
    const post = Object.values(resources(template, 'AWS::ApiGateway::Method')).find((m) => m.Properties.HttpMethod === 'POST')!;
    expect(pathOf(post.Properties.ResourceId.Ref)).toBe('/logs');
    for (const m of gets) {
      expect(m.Properties.AuthorizationType).toBe(post.Properties.AuthorizationType);
      expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain(fnId);
      expect(m.Properties.Integration.Type).toBe('AWS_PROXY');
    }
    const stage = Object.values(resources(template, 'AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.Variables).toEqual({ summaryTable: { Ref: logicalId(template, 'AWS::DynamoDB::Table', 'SummaryTable') } });
    const perms = Object.values(resources(template, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties.FunctionName?.['Fn::GetAtt']?.[0] === fnId,
    );
    expect(perms).toHaveLength(1);
    expect(JSON.stringify(perms[0].Properties.SourceArn)).toContain('/GET/*');
  });

  test('apiAuth=apiKey: the GET route requires the key too', () => {
    const { template: keyed } = synth({ apiAuth: 'apiKey' });
    const gets = getRoutes(keyed);
    expect(gets).toHaveLength(1);
    for (const m of gets) expect([m.Properties.AuthorizationType, m.Properties.ApiKeyRequired]).toEqual(['NONE', true]);
  });
});
