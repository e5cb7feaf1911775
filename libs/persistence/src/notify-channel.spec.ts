import { MAX_CHANNEL_BYTES, notifyChannel } from './notify-channel';

describe('notifyChannel (the one LISTEN/NOTIFY channel name per schema and purpose)', () => {
  it('is readable while it fits, and the same names existing trigger functions already use', () => {
    expect(notifyChannel('portal_adapter', 'outbox')).toBe('portal_adapter_outbox');
    expect(notifyChannel('portal_adapter', 'callbacks')).toBe('portal_adapter_callbacks');
    expect(notifyChannel('portal_adapter', 'sync_answers')).toBe('portal_adapter_sync_answers');
  });

  it('keeps the readable form at exactly 63 bytes and hashes from 64 on', () => {
    const fits = 'a'.repeat(MAX_CHANNEL_BYTES - '_outbox'.length);
    expect(notifyChannel(fits, 'outbox')).toBe(`${fits}_outbox`);
    expect(Buffer.byteLength(notifyChannel(fits, 'outbox'))).toBe(63);
    const tooLong = `${fits}b`;
    expect(notifyChannel(tooLong, 'outbox')).toMatch(/^labsync_outbox_[0-9a-f]{24}$/);
  });

  it('stays within 63 bytes for the longest schema the configuration accepts, for every purpose, distinct and stable', () => {
    const longest = 's'.repeat(63);
    const other = `${'s'.repeat(62)}t`;
    const longestPurpose = 'p'.repeat(30);
    for (const purpose of ['outbox', 'callbacks', 'sync_answers', 'dispatch', longestPurpose]) {
      const channel = notifyChannel(longest, purpose);
      expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(MAX_CHANNEL_BYTES);
      expect(channel).toBe(notifyChannel(longest, purpose));
      expect(channel).not.toBe(notifyChannel(other, purpose));
    }
    // The hashed forms callbackChannel and syncAnswerChannel produced before this function existed.
    expect(notifyChannel(longest, 'callbacks')).toBe('labsync_callbacks_4099fc27de31bd91d53a6488');
  });

  it('refuses a purpose that could break the SQL it is baked into', () => {
    expect(() => notifyChannel('app', "x'; DROP")).toThrow(/unsafe NOTIFY purpose/);
    expect(() => notifyChannel('app', 'p'.repeat(31))).toThrow(/unsafe NOTIFY purpose/);
  });
});
