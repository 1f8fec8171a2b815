import { ListStateMachinesCommand, type SFNClient, type StateMachineListItem } from '@aws-sdk/client-sfn';

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export async function listStateMachines(client: SFNClient): Promise<StateMachineListItem[]> {
  const all: StateMachineListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    all.push(...(page.stateMachines ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

/**
 * A saga name or a state machine ARN → the state machine ARN. Names match exactly first, then as a
 * case-insensitive part of the physical name (`StepsagaExample-PlaceOrder...` for `PlaceOrder`).
 */
export async function resolveStateMachineArn(client: SFNClient, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return ref;
  const machines = await listStateMachines(client);
  const exact = machines.filter((m) => m.name === ref);
  const needle = ref.toLowerCase();
  const matches = exact.length > 0 ? exact : machines.filter((m) => m.name?.toLowerCase().includes(needle));
  if (matches.length === 1 && matches[0]?.stateMachineArn) return matches[0].stateMachineArn;
  const known = machines.map((m) => m.name).join(', ') || 'none';
  if (matches.length === 0) {
    throw new CliUsageError(`No state machine matches "${ref}". Known state machines: ${known}.`);
  }
  throw new CliUsageError(
    `"${ref}" matches ${matches.length} state machines (${matches.map((m) => m.name).join(', ')}); pass the full name or the ARN.`,
  );
}
