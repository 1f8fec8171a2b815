/** The balance item of one account in an account service's table. */
export const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'BALANCE' });
