import { answerCallback, type CallbackOutcome, createInboxHandler, TABLE_NAME_ENV } from 'stepsaga/runtime';

interface AuthorizationRequested {
  readonly tripId: string;
  readonly amount: number;
  readonly failAt: string | null;
  readonly taskToken: string;
}

/**
 * A simulated bank webhook: it receives authorization requests (TripPayment's outbox events,
 * relayed to its queue) and answers each saga's task token. `failAt` makes it decline (`Bank`),
 * stay silent so the saga times out (`BankSilent`) or answer twice (`BankTwice`); every answer's
 * outcome is recorded, so a test sees that a repeated answer changed nothing.
 */
export const handler = createInboxHandler<AuthorizationRequested>({
  tableName: process.env[TABLE_NAME_ENV] ?? '',
  apply: async (event, tx) => {
    if (event.eventType !== 'AuthorizationRequested') return;
    const { tripId, failAt, taskToken } = event.payload;
    if (failAt === 'BankSilent') return;
    const answers: CallbackOutcome[] = [];
    const answer = () =>
      failAt === 'Bank'
        ? answerCallback(taskToken, { cause: `The bank declined trip "${tripId}"` })
        : answerCallback(taskToken, { result: { authorizationId: `AUTH-${tripId}` } });
    answers.push(await answer());
    if (failAt === 'BankTwice') answers.push(await answer());
    tx.put({ item: { pk: `TRIP#${tripId}`, sk: 'ANSWERS', answers } });
  },
});
