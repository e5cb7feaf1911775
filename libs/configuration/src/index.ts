export * from './parse-env';
export * from './common-env';
export * from './partners';
