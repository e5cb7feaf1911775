// The one place the Kafka Connect and Debezium versions are pinned (tools/connect/README and docs/ say why these).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const KAFKA_VERSION_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'kafka', 'version.json');

/** Connect runs at the broker's pinned version (tools/kafka/version.json), so client and broker always match. */
export const CONNECT_VERSION = JSON.parse(fs.readFileSync(KAFKA_VERSION_FILE, 'utf8')).kafka;

/** Built against Kafka 4.3, and proven on Connect 4.1.2 by tools/connect/connect.int-spec.ts. */
export const DEBEZIUM_VERSION = '3.6.1.Final';

export { LOG4J_VERSION } from '../kafka/settings.mjs';

export const DEBEZIUM_POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';
