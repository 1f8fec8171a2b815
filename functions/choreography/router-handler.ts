import { createEventRouterHandler, type EventRouterHandler } from './router.js';

/** The router function's entry: routes come from `STEPSAGA_CHOREOGRAPHY_ROUTES`. */
export const handler: EventRouterHandler = createEventRouterHandler();
