import type { Admin } from 'kafkajs';

/**
 * Deletes the topics of one test run (those starting with its prefix) and disconnects the admin. Best
 * effort, like dropSchemas: a leftover topic only costs the shared broker some disk.
 */
export async function deleteTestTopics(admin: Admin | undefined, prefix: string): Promise<void> {
  if (!admin) return;
  const ours = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
}
