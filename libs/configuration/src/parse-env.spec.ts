import { kafkaEnvSchema, databaseEnvSchema } from './common-env';
import { ConfigError, parseEnv } from './parse-env';

describe('parseEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    expect(parseEnv(kafkaEnvSchema, { KAFKA_BROKERS: '' })).toEqual({ KAFKA_BROKERS: ['127.0.0.1:9092'], KAFKA_TOPIC_PREFIX: '', KAFKA_REPLICATION_FACTOR: 1 });
    expect(parseEnv(kafkaEnvSchema, { KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('fails with a message naming every bad variable', () => {
    const attempt = () => parseEnv(databaseEnvSchema('app').extend(kafkaEnvSchema.shape), { DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nohost', DB_SCHEMA: 'Bad-Schema' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(attempt).toThrow(/KAFKA_BROKERS/);
    expect(attempt).toThrow(/DB_SCHEMA/);
  });
});
