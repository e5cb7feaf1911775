export * from './backoff';
export * from './advisory-leadership';
export * from './in-flight-tasks';
export * from './worker-loop';
