export * from './runtime-tokens';
export * from './start-service';
export * from './run-service-main';
export * from './health/readiness';
export * from './http/problem';
export * from './http/problem.filter';
export * from './http/body-parsing';
