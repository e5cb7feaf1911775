/** Injection tokens the service runtime provides to every app module. */
export const LOGGER = Symbol('LOGGER');
/** The environment the service was started with (a copy of process.env, or what a test passed). */
export const SERVICE_ENV = Symbol('SERVICE_ENV');
/** What the app's ServiceDefinition.loadConfig returned, parsed before anything was connected. */
export const APP_CONFIG = Symbol('APP_CONFIG');
