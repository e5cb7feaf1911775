import { randomUUID } from 'node:crypto';
import { notificationIdFor } from '@labsync/contracts';
import { freePort, runCli, waitFor } from '@labsync/testing';
import { NOTIFIED_SEQS } from '../../test/correlation-snapshots';
import { MAX_ATTEMPTS, deadLetterSuite } from '../../test/dead-letter-suite';

describe('dead-lettered callbacks (real Kafka, real Postgres, a failing partner portal)', () => {
  const suite = deadLetterSuite('portal-dead-letters-cli');
  const { portal, cliEnv, deadCorrelation, expectDeliveredOnceInOrder } = suite;

  describe('npm run labsync -- dead-letters (the CLI, spawned)', () => {
    it('lists and replays dead-lettered callbacks through the operator API', async () => {
      const correlationId = await deadCorrelation('globex');
      const head = notificationIdFor(correlationId, 2);

      const listed = await runCli(['dead-letters', 'list', '--correlation', correlationId], cliEnv());
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toContain('1 dead-lettered callback:');
      expect(listed.stdout).toContain(`${head}  partner globex  correlation ${correlationId} seq 2  status.changed  ${MAX_ATTEMPTS} attempts`);
      expect(listed.stdout).toContain(`holds ${NOTIFIED_SEQS.length - 1} later notifications`);
      expect(listed.stdout).toContain('last error: HTTP 500: portal is broken');

      const json = await runCli(['dead-letters', 'list', '--partner', 'globex', '--json'], cliEnv());
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).deadLetters.map((d: { notificationId: string }) => d.notificationId)).toContain(head);

      portal.failing.delete(correlationId);
      const replayed = await runCli(['dead-letters', 'replay', head], cliEnv());
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(replayed.stdout).toContain(`replayed ${head} (partner globex, correlation ${correlationId} seq 2): queued for delivery now`);
      await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'delivery after the CLI replay' });
      expectDeliveredOnceInOrder(correlationId);

      // Replaying what is not dead (any more), or does not exist: exit 1, with the reason.
      const unknownId = randomUUID();
      const again = await runCli(['dead-letters', 'replay', head, unknownId], cliEnv());
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`not replayed ${head}: This callback is DELIVERED, not DEAD`);
      expect(again.stderr).toContain(`not replayed ${unknownId}: No callback with this notification id exists.`);
      expectDeliveredOnceInOrder(correlationId);
    });

    it('replays by filter, and says so when nothing matched', async () => {
      const correlationId = await deadCorrelation('acme');
      portal.failing.delete(correlationId);
      const replayed = await runCli(['dead-letters', 'replay', '--correlation', correlationId, '--json'], cliEnv());
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.stdout)).toEqual({
        replayed: [{ notificationId: notificationIdFor(correlationId, 2), correlationId, seq: 2, partnerId: 'acme', replays: 1 }],
        notReplayed: [],
      });
      await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'delivery after the CLI replay' });
      const nothing = await runCli(['dead-letters', 'replay', '--correlation', correlationId], cliEnv());
      expect(nothing).toMatchObject({ code: 0, stdout: 'No dead-lettered callbacks matched; nothing replayed.\n' });
      expectDeliveredOnceInOrder(correlationId);
    });

    it('fails clearly: bad command line (2), wrong key or unreachable portal-adapter (3)', async () => {
      const usage = await runCli(['dead-letters', 'replay'], cliEnv());
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/needs ids, a filter, or --all/);
      const badId = await runCli(['dead-letters', 'replay', 'nope'], cliEnv());
      expect(badId.code).toBe(2);
      expect(badId.stderr).toMatch(/not a notification id \(UUID\): nope/);
      expect((await runCli(['dead-letters', 'list', '--limit', '0'], cliEnv())).code).toBe(2);
      expect((await runCli(['dead-letters', 'frobnicate'], cliEnv())).code).toBe(2);

      const wrongKey = await runCli(['dead-letters', 'list'], { ...cliEnv(), OPERATOR_API_KEY: 'a-wrong-operator-key' });
      expect(wrongKey.code).toBe(3);
      expect(wrongKey.stderr).toMatch(/refused OPERATOR_API_KEY: The operator key is not valid/);
      const defaultKey = await runCli(['dead-letters', 'list'], { PORTAL_ADAPTER_URL: suite.url });
      expect(defaultKey.code).toBe(3);
      expect(defaultKey.stderr).toMatch(/refused the development key \(OPERATOR_API_KEY is unset\)/);

      const unreachable = await runCli(['dead-letters', 'list'], { ...cliEnv(), PORTAL_ADAPTER_URL: `http://127.0.0.1:${await freePort()}` });
      expect(unreachable.code).toBe(3);
      expect(unreachable.stderr).toMatch(/cannot reach the portal-adapter at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); set PORTAL_ADAPTER_URL/);

      const help = await runCli(['--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Exit codes: 0 done, 1 something could not be done, 2 bad command line, 3 service unreachable or key refused/);
    });
  });
});
