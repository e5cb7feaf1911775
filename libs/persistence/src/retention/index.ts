export * from './retention-rule';
export * from './retention-pruner';
