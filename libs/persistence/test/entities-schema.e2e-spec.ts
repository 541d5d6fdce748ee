import type { DataSource } from 'typeorm';
import { createDataSource } from '../src';

/**
 * The TypeORM entities against the schema the migrations build (the run's database, migrated by the
 * jest global setup): every table has an entity, and every entity has exactly its table's columns,
 * with the same types, nullability and primary key. Constraints, indexes and triggers are the
 * migrations' alone (schema comes from migrations, never from synchronize).
 */
describe('entities match the migrated schema', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test` (jest global setup)');
    dataSource = createDataSource({ url, poolSize: 1, applicationName: 'wabridge-entities-spec' });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** Postgres's name of a column type: information_schema's data_type, or `<element>[]` for arrays. */
  const SQL_TYPES: Record<string, string> = {
    uuid: 'uuid',
    text: 'text',
    int: 'integer',
    integer: 'integer',
    bigint: 'bigint',
    boolean: 'boolean',
    jsonb: 'jsonb',
    date: 'date',
    timestamptz: 'timestamp with time zone',
  };
  const ELEMENT_TYPES: Record<string, string> = { _text: 'text', _int8: 'bigint', _int4: 'integer' };

  async function databaseColumns(): Promise<Map<string, Map<string, string>>> {
    const rows: { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }[] = await dataSource.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    const primary: { table_name: string; column_name: string }[] = await dataSource.query(
      `SELECT k.table_name, k.column_name
         FROM information_schema.table_constraints c
         JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
        WHERE c.table_schema = 'public' AND c.constraint_type = 'PRIMARY KEY'`,
    );
    const isPrimary = new Set(primary.map((row) => `${row.table_name}.${row.column_name}`));
    const tables = new Map<string, Map<string, string>>();
    for (const row of rows) {
      const type = row.data_type === 'ARRAY' ? `${ELEMENT_TYPES[row.udt_name] ?? row.udt_name}[]` : row.data_type;
      const columns = tables.get(row.table_name) ?? new Map<string, string>();
      columns.set(
        row.column_name,
        `${type} ${row.is_nullable === 'YES' ? 'null' : 'not null'}${isPrimary.has(`${row.table_name}.${row.column_name}`) ? ' primary' : ''}`,
      );
      tables.set(row.table_name, columns);
    }
    return tables;
  }

  function entityColumns(): Map<string, Map<string, string>> {
    const tables = new Map<string, Map<string, string>>();
    for (const entity of dataSource.entityMetadatas) {
      const columns = new Map<string, string>();
      for (const column of entity.columns) {
        const base = SQL_TYPES[String(column.type)] ?? String(column.type);
        columns.set(
          column.databaseName,
          `${column.isArray ? `${base}[]` : base} ${column.isNullable ? 'null' : 'not null'}${column.isPrimary ? ' primary' : ''}`,
        );
      }
      tables.set(entity.tableName, columns);
    }
    return tables;
  }

  it('has an entity for every table the migrations create', async () => {
    const tables = [...(await databaseColumns()).keys()].sort();
    expect([...entityColumns().keys()].sort()).toEqual(tables);
  });

  it('declares each table’s columns with their types, nullability and primary key', async () => {
    const database = await databaseColumns();
    for (const [table, columns] of entityColumns()) {
      expect({ table, columns: Object.fromEntries([...columns].sort()) }).toEqual({
        table,
        columns: Object.fromEntries([...(database.get(table) ?? new Map<string, string>())].sort()),
      });
    }
  });
});
