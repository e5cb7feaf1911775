// Readiness probe: the raw Kafka protocol (ApiVersions v0, then Metadata) over a socket, so it works
// without any client library.

import net from 'node:net';
import { KAFKA_BOOTSTRAP, KAFKA_PORT, externalBrokers } from './settings.mjs';

export { portOpen } from '../local-service/process-control.mjs';

function kafkaRequest(socket, apiKey, apiVersion, correlationId, body, flexibleHeader) {
  const clientId = Buffer.from('labsync-kafka-mjs');
  const header = Buffer.alloc(10 + clientId.length + (flexibleHeader ? 1 : 0));
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  // flexible (v2) request header ends with an empty tagged-field section: uvarint 0 (already 0)
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  socket.write(Buffer.concat([size, header, body]));
}

function readUVarint(buf, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[offset++];
    value |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return [value, offset];
    shift += 7;
  }
}

/**
 * Resolves true when a Kafka broker at host:port answers ApiVersions and reports at least one
 * live broker in a Metadata response, i.e. it is really ready to serve clients.
 */
export function isKafkaReachable({ host, port, timeoutMs = 2_000 } = {}) {
  if (!host || !port) {
    const first = (externalBrokers() || KAFKA_BOOTSTRAP).split(',')[0].trim().replace(/^[a-z]+:\/\//i, '');
    const i = first.lastIndexOf(':');
    host ??= i > 0 ? first.slice(0, i).replace(/^\[|\]$/g, '') : first;
    port ??= i > 0 ? Number(first.slice(i + 1)) : KAFKA_PORT;
  }
  return new Promise((resolve) => {
    let done = false;
    let buf = Buffer.alloc(0);
    let stage = 'apiVersions';
    let metadataVersion = -1;
    const socket = net.connect({ host, port });
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => kafkaRequest(socket, 18, 0, 1, Buffer.alloc(0), false));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      const res = buf.subarray(4, 4 + size);
      buf = buf.subarray(4 + size);
      try {
        if (stage === 'apiVersions') {
          // correlation_id, error_code, [api_key, min, max]
          if (res.readInt32BE(0) !== 1 || res.readInt16BE(4) !== 0) return finish(false);
          const n = res.readInt32BE(6);
          for (let i = 0, o = 10; i < n; i++, o += 6) {
            if (res.readInt16BE(o) === 3) {
              const min = res.readInt16BE(o + 2);
              const max = res.readInt16BE(o + 4);
              const v = Math.min(max, 13);
              if (v >= min && v >= 4) metadataVersion = v;
            }
          }
          if (metadataVersion < 0) return finish(true); // cannot speak its Metadata; ApiVersions is enough
          stage = 'metadata';
          const flexible = metadataVersion >= 9;
          let body;
          if (flexible) {
            // topics=null (compact), allow_auto_topic_creation, [include_cluster_authorized_operations v9-10],
            // include_topic_authorized_operations, tagged fields
            body = Buffer.from(metadataVersion <= 10 ? [0, 0, 0, 0, 0] : [0, 0, 0, 0]);
          } else {
            // topics=null, allow_auto_topic_creation, [v8: include_cluster/topic_authorized_operations]
            body = Buffer.from(metadataVersion >= 8 ? [0xff, 0xff, 0xff, 0xff, 0, 0, 0] : [0xff, 0xff, 0xff, 0xff, 0]);
          }
          kafkaRequest(socket, 3, metadataVersion, 2, body, flexible);
        } else {
          if (res.readInt32BE(0) !== 2) return finish(false);
          let o = 4;
          let brokers;
          if (metadataVersion >= 9) {
            [, o] = readUVarint(res, o); // response header tagged fields (count)
            o += 4; // throttle_time_ms
            [brokers] = readUVarint(res, o);
            brokers -= 1;
          } else {
            o += 4; // throttle_time_ms (v3+)
            brokers = res.readInt32BE(o);
          }
          finish(brokers > 0);
        }
      } catch {
        finish(false);
      }
    });
  });
}
