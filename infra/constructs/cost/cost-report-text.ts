import type { HappyPathWithChildren } from './child-saga-cost.js';
import type { PriceList } from './prices-us-east-1.2026-12.js';
import type { SagaCostReport } from './saga-cost-model.js';

const usd = (value: number) => `$${value.toFixed(2)}`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * One saga's report as the `stepsaga cost` command prints it; `withChildren`, when the saga starts
 * child sagas, is its happy path with theirs added.
 */
export function formatSagaCost(report: SagaCostReport, withChildren?: HappyPathWithChildren): string {
  const lines: string[] = [`Saga ${report.sagaName} (${report.type})`];
  const priced = report.paths.some((p) => p.usdPerMillion);
  const header = ['  path', 'transitions', 'Lambda', 'WRU', 'RRU', 'SQS req'];
  if (priced) header.push('SFN $/1M', 'Lambda $/1M', 'DDB $/1M', 'SQS $/1M', 'total $/1M');
  const rows: string[][] = [header];
  for (const path of report.paths) {
    const row = [
      `  ${path.path}`,
      String(path.transitions),
      String(path.lambdaInvocations),
      String(path.writeRequestUnits),
      String(path.readRequestUnits),
      String(path.sqsRequests),
    ];
    const cost = path.usdPerMillion;
    if (cost)
      row.push(usd(cost.stepFunctions), usd(cost.lambda), usd(cost.dynamoDb), usd(cost.sqs), usd(cost.total));
    rows.push(row);
  }
  lines.push(...table(rows));
  for (const path of report.paths) lines.push(`  ${path.path}: ${path.description}`);
  for (const child of report.childSagas) {
    lines.push(
      `  ${child.step} runs the child saga ${child.childSaga}${child.compensationSaga ? ` (undone by ${child.compensationSaga})` : ''}: one transition here, plus the child saga ${child.childSaga}'s own cost${child.compensationSaga ? ` (and ${child.compensationSaga}'s when it is undone)` : ''}, billed to its own execution.`,
    );
  }
  if (withChildren) {
    const cost = withChildren.usdPerMillion;
    lines.push(
      `  happy with child sagas: ${withChildren.transitions} transitions, ${withChildren.lambdaInvocations} Lambda${cost ? `, ${usd(cost.total)} per 1M` : ''}${withChildren.missing.length > 0 ? ` (not priced here: ${withChildren.missing.join(', ')})` : ''}`,
    );
  }
  lines.push(`  Each retry adds ${report.transitionsPerRetry} transition and one more invocation.`);
  if (!priced) {
    lines.push(
      '  Express workflows are billed per request and GB-second of duration, which this report does not price.',
    );
  }
  lines.push('  DynamoDB write request units per invocation (transactional: 2 per KB of each item):');
  lines.push(
    ...table([
      ['    step', 'participant', 'action', 'compensation', 'empty compensation'],
      ...report.writeUnits.map((w) => [
        `    ${w.step}`,
        w.participant,
        String(w.action),
        w.compensation === undefined ? '-' : String(w.compensation),
        w.emptyCompensation === undefined ? '-' : String(w.emptyCompensation),
      ]),
    ]),
  );
  const size = report.worstCaseStateBytes;
  if (size) {
    lines.push(
      `  Worst-case state: ${kib(size.bytes)} of ${kib(size.limitBytes)} (input budget + every step's result budget + errors and keys; ${size.declared ? 'every result budget declared' : 'steps without maxResultBytes counted at their equal share'}).`,
    );
  }
  return lines.join('\n');
}

/** The price list and the assumptions, printed once under the sagas. */
export function formatPricesAndAssumptions(prices: PriceList, report: SagaCostReport | undefined): string {
  const lines = [
    `Prices: ${prices.region}, list prices as of ${prices.asOf} (infra/constructs/cost/prices-${prices.region}.${prices.asOf}.ts):`,
  ];
  for (const price of [
    prices.stepFunctionsStandardTransition,
    prices.lambdaRequest,
    prices.lambdaArmGbSecond,
    prices.dynamoDbWriteRequestUnit,
    prices.dynamoDbReadRequestUnit,
    prices.sqsStandardRequest,
  ]) {
    lines.push(`  $${(price.usd * 1_000_000).toPrecision(4)} per 1M ${price.unit}  (${price.source})`);
  }
  if (report) {
    const a = report.assumptions;
    lines.push(
      `Assumptions (docs/cost.md): ${a.lambdaDurationMs} ms per invocation; ${a.defaultMemoryMb} MB where memory is unknown; items of ${a.itemKb} KB; ` +
        `${a.writesPerPhase} business write, ${a.eventsPerPhase} outbox event and ${a.readsPerInvocation} read per phase; ` +
        `${a.sqsRequestsPerMessage} SQS requests per message; no free tier, no retries unless the path says so.`,
    );
  }
  return lines.join('\n');
}
