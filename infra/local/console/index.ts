export { ConsoleApiError, type ConsoleBackend } from './console-api.js';
export { CONSOLE_ACTION_HEADER } from './console-guard.js';
export { CONSOLE_PATH, ConsoleServer, isConsolePath } from './console-server.js';
