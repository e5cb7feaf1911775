export * from './wait-for';
export * from './unique-names';
export * from './database';
export * from './http';
export * from './processes';
export * from './topic-reader';
export * from './private-kafka-broker';
export * from './free-port';
