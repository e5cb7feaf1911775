import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A migration that only a spec needs (the table a test handler writes its effects to), run in the data
 * source's own schema. `name` must end in a 13-digit timestamp, like every migration's: TypeORM orders by it.
 */
export function testTableMigration(name: string, statements: (schema: string) => string[]): new () => MigrationInterface {
  return class implements MigrationInterface {
    name = name;
    async up(queryRunner: QueryRunner): Promise<void> {
      const schema = (queryRunner.connection.options as { schema: string }).schema;
      for (const statement of statements(schema)) await queryRunner.query(statement);
    }
    async down(): Promise<void> {}
  };
}
