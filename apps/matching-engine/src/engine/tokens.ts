/** Nest injection tokens for values that are not classes. */
export const ENGINE_CONFIG = Symbol('ENGINE_CONFIG');
export const ENGINE_LOGGER = Symbol('ENGINE_LOGGER');
export const SYMBOL_ENGINE_FACTORY = Symbol('SYMBOL_ENGINE_FACTORY');
