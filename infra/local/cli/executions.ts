import { type ExecutionListItem, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { listStateMachines, resolveStateMachineArn } from './state-machines.js';
import { formatSeconds, formatTable } from './table.js';

async function listExecutions(client: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const all: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
    all.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

function nameOfMachine(arn: string | undefined): string {
  return arn?.split(':').pop() ?? '';
}

/** A table of executions of one saga, or of every state machine when `saga` is omitted; newest first. */
export async function executionsTable(client: SFNClient, saga: string | undefined): Promise<string> {
  const arns = saga
    ? [await resolveStateMachineArn(client, saga)]
    : (await listStateMachines(client)).map((m) => m.stateMachineArn ?? '').filter(Boolean);
  const executions = (await Promise.all(arns.map((arn) => listExecutions(client, arn)))).flat();
  executions.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
  if (executions.length === 0) return saga ? `No executions of ${saga}.` : 'No executions.';
  return formatTable(
    ['STATE MACHINE', 'NAME', 'STATUS', 'STARTED', 'DURATION', 'EXECUTION ARN'],
    executions.map((e) => [
      nameOfMachine(e.stateMachineArn),
      e.name ?? '',
      e.status ?? '',
      e.startDate?.toISOString() ?? '',
      e.startDate && e.stopDate ? formatSeconds(e.stopDate.getTime() - e.startDate.getTime()) : '',
      e.executionArn ?? '',
    ]),
  );
}
