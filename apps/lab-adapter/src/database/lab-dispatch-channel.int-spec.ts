import { createHash } from 'node:crypto';
import { MessagingTables1732100000000, OutboxChannel1734000000000, OutboxParking1733100000000 } from '@labsync/messaging';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, dropSchemas, sql, uniqueSchema, waitFor } from '@labsync/testing';
import { Client } from 'pg';
import { LabAdapterTables1732400000000 } from './lab-adapter-tables.migration';
import { dispatchChannel } from './lab-adapter-tables';
import { LabDispatchChannel1734000100000 } from './lab-dispatch-channel.migration';

describe('LabDispatchChannel migration (real Postgres)', () => {
  const schema = uniqueSchema('dispatch_channel');
  const listener = new Client({ connectionString: TEST_DATABASE_URL });
  const notified: string[] = [];

  afterAll(async () => {
    await listener.end().catch(() => undefined);
    await dropSchemas([schema]);
  });

  it('moves a database created with the old hashed channel to the one the dispatchers now LISTEN on', async () => {
    const before = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, OutboxParking1733100000000, OutboxChannel1734000000000, LabAdapterTables1732400000000] });
    await initializeAndMigrate(before);
    // What LabAdapterTables baked in before notifyChannel existed.
    const oldChannel = `labsync_dispatch_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
    await before.query(`CREATE OR REPLACE FUNCTION "${schema}".lab_dispatches_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('${oldChannel}', ''); RETURN NULL; END $$`);
    await before.destroy();

    const after = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, OutboxParking1733100000000, OutboxChannel1734000000000, LabAdapterTables1732400000000, LabDispatchChannel1734000100000] });
    expect(await initializeAndMigrate(after)).toEqual(['LabDispatchChannel1734000100000']);
    await after.destroy();

    await listener.connect();
    listener.on('notification', (message) => notified.push(message.channel));
    await listener.query(`LISTEN "${dispatchChannel(schema)}"`);
    await sql(`INSERT INTO "${schema}".lab_dispatches (correlation_id, partner_id, request) VALUES ('c-1', 'acme', '{}')`);
    await waitFor(() => notified.length > 0, { what: 'the dispatch NOTIFY on the new channel' });
    expect(notified).toEqual([`${schema}_dispatch`]);
  });
});
