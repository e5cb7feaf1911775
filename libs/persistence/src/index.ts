export * from './database';
export * from './data-source';
export * from './notification-listener';
export * from './query-error-logger';
export * from './notify-channel';
export * from './retention';
export * from './query-rows';
export * from './reference-table';
