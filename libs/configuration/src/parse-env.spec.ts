import { kafkaEnvSchema, databaseEnvSchema } from './common-env';
import { ConfigError, parseAll, parseEnv } from './parse-env';

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

  it('names the offending variables in the error itself, not only in its message', () => {
    const attempt = () =>
      parseAll({
        db: () => parseEnv(databaseEnvSchema('app'), { DB_POOL_SIZE: 'many' }),
        kafka: () => parseEnv(kafkaEnvSchema, { KAFKA_REPLICATION_FACTOR: '0' }),
        rule: () => {
          throw ConfigError.of('PARTNERS', 'PARTNERS must be set when NODE_ENV=production');
        },
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).variables).toEqual(['DB_POOL_SIZE', 'KAFKA_REPLICATION_FACTOR', 'PARTNERS']);
    }
  });
});
