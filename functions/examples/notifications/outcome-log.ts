/** Where the example notification target records each saga outcome it was told about. */
export const outcomeKey = (sagaId: string) => ({ pk: `SAGA#${sagaId}`, sk: 'OUTCOME' });
