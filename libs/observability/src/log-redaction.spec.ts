import { Writable } from 'node:stream';
import { createLogger } from './logger';

/** A logger writing into memory, exactly as configured for the apps. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger('redaction-spec', 'info', stream);
  return { logger, text: () => lines.join('') };
}

/** What TypeORM throws for a failed INSERT: the bound values on the error and the row in Postgres's detail. */
function queryFailedError(): Error {
  const driverError = Object.assign(new Error('null value in column "partner_id" violates not-null constraint'), {
    code: '23502',
    detail: 'Failing row contains (Ada Lovelace, ada@example.org).',
    parameters: ['Ada Lovelace', 'ada@example.org'],
  });
  return Object.assign(new Error(driverError.message), {
    name: 'QueryFailedError',
    query: 'INSERT INTO test_requests (customer_name, customer_email) VALUES ($1, $2)',
    parameters: ['Ada Lovelace', 'ada@example.org'],
    driverError,
  });
}

describe('log redaction', () => {
  it('blanks customer and contact names, e-mails, phones and analyte values, at the top and nested', () => {
    const { logger, text } = capturedLogger();
    logger.info({ customer: { id: 'C-42', name: 'Ada Lovelace', email: 'ada@example.org' } }, 'top');
    logger.info({ payload: { request: { customer: { name: 'Grace Hopper', email: 'grace@example.org' } } } }, 'nested');
    logger.info({ record: { contact: { name: 'Alan Turing', email: 'alan@example.org', phone: '+1 555 0100' } } }, 'contact');
    logger.info({ result: { analytes: [{ name: 'lead', value: 'lead-value-0.0173', unit: 'mg/L' }] } }, 'results');
    const logged = text();
    for (const personal of ['Ada Lovelace', 'ada@example.org', 'Grace Hopper', 'grace@example.org', 'Alan Turing', 'alan@example.org', '+1 555 0100', 'lead-value-0.0173']) {
      expect(logged).not.toContain(personal);
    }
    // What is not personal stays, so the lines are still useful.
    expect(logged).toContain('C-42');
    expect(logged).toContain('mg/L');
    expect(logged).toContain('[redacted]');
  });

  it('blanks authorization headers and API keys', () => {
    const { logger, text } = capturedLogger();
    logger.warn({ req: { headers: { authorization: 'Bearer sk-live-123456' } }, partner: { apiKey: 'acme-key-98765' } }, 'auth');
    expect(text()).not.toContain('sk-live-123456');
    expect(text()).not.toContain('acme-key-98765');
  });

  it('logs a failed query with its SQL text and message but without its parameters or the row in its detail', () => {
    const { logger, text } = capturedLogger();
    logger.error({ err: queryFailedError() }, 'unhandled error');
    logger.error({ error: queryFailedError() }, 'under another key');
    const logged = text();
    expect(logged).not.toContain('Ada Lovelace');
    expect(logged).not.toContain('ada@example.org');
    expect(logged).toContain('INSERT INTO test_requests');
    expect(logged).toContain('violates not-null constraint');
    expect(logged).toContain('23502');
  });
});
