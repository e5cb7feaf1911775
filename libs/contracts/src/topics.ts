import type { z } from 'zod';
import { CorrelationStatusChanged, PortalDeliverySucceeded } from './events/correlation-status';
import { CorrelationStalled } from './events/correlation-alerts';
import { PortalCallbackDeadLettered } from './events/callback-dead-letter';
import { DeadLetterRecorded } from './events/dead-letter';
import type { EventContract } from './events/define-event';
import {
  LabOrderEvent,
} from './events/lab-events';
import { RequestSubmitted } from './events/request-submitted';
import { CatalogEntryChanged, CustomerAccountChanged } from './events/reference-data';

export interface TopicSpec {
  readonly event: EventContract;
  /** Request/result flows need parallelism across correlation ids: at least 6. */
  readonly partitions: number;
  /** A compacted topic keeps the latest record per key (read models). */
  readonly compacted: boolean;
  /**
   * The topic may carry tombstones (a null value under an entity's key: "this entity is gone"). Consumers
   * hand them to `@ConsumeTombstone` handlers; on other topics a tombstone is dead-lettered.
   */
  readonly tombstones?: boolean;
  /** What the Kafka key is: the correlation id (request/result flows, the default) or the entity id (entity streams). */
  readonly keyedBy?: 'correlationId' | 'entityId';
  readonly description: string;
}

/** A set of topic specs by name: TOPICS, or a test's own entity topics. */
export type TopicRegistry = Readonly<Record<string, TopicSpec>>;

/** The payload type a topic of a registry carries. */
export type PayloadOf<R extends TopicRegistry, T extends keyof R> = z.infer<R[T]['event']['payload']>;

/** The topics of a registry that carry tombstones (`@ConsumeTombstone`, entity deletes). */
export type TombstoneTopicOf<R extends TopicRegistry> = { [T in keyof R & string]: R[T] extends { tombstones: true } ? T : never }[keyof R & string];

/** The entity topics of a registry (declared with entityTopic()). */
export type EntityTopicOf<R extends TopicRegistry> = { [T in keyof R & string]: R[T] extends { keyedBy: 'entityId' } ? T : never }[keyof R & string];

/**
 * An entity stream (one-way sync, record changes): compacted, keyed by entity id, carrying tombstones, its
 * event declared with defineEntityEvent() so a delete is a typed event followed by a tombstone.
 */
export function entityTopic<C extends EventContract>(event: C, layout: { partitions: number; description: string }) {
  return { event, partitions: layout.partitions, compacted: true, tombstones: true, keyedBy: 'entityId', description: layout.description } as const;
}

/**
 * The one registry of labsync topics: name -> the event it carries and how it is laid out. Every topic is
 * keyed by correlation id, except entity streams (declared with entityTopic()), keyed by entity id. Names are versioned: a breaking payload change is a new topic, never an edit.
 */
export const TOPICS = {
  'labsync.catalog.entries.v1': entityTopic(CatalogEntryChanged, {
    partitions: 6,
    description: "One-way sync: the lab's test catalog (system of record: the lab), compacted, keyed by test code; captured beside the lab-adapter, pushed to the portal.",
  }),
  'labsync.customers.accounts.v1': entityTopic(CustomerAccountChanged, {
    partitions: 6,
    description: "One-way sync: the portal's customer accounts (system of record: the portal), compacted, keyed by customer id; captured beside the portal-adapter, pushed to the lab.",
  }),
  'labsync.requests.submitted.v1': {
    event: RequestSubmitted,
    partitions: 6,
    compacted: false,
    description: 'Test requests accepted from partners, in the order they were stored.',
  },
  'labsync.lab.order-events.v1': {
    event: LabOrderEvent,
    partitions: 6,
    compacted: false,
    description: 'Each lab order, step by step: dispatched, accepted or rejected, then the lab\'s status changes and results (webhooks or polling); one topic so the steps keep their order per correlation.',
  },
  'labsync.correlation.status.v1': {
    event: CorrelationStatusChanged,
    partitions: 6,
    compacted: true,
    tombstones: true,
    description: 'Status read model: the latest snapshot of each correlation (compacted).',
  },
  'labsync.correlation.alerts.v1': {
    event: CorrelationStalled,
    partitions: 6,
    compacted: false,
    description: 'Operator alerts from the correlation-tracker: a correlation marked STALLED (lab acceptance or results overdue), once per stall.',
  },
  'labsync.portal.delivery-succeeded.v1': {
    event: PortalDeliverySucceeded,
    partitions: 6,
    compacted: false,
    description: 'Notifications the partner portal acknowledged.',
  },
  'labsync.portal.callback-dead-letters.v1': {
    event: PortalCallbackDeadLettered,
    partitions: 6,
    compacted: false,
    description: 'Callbacks the partner portal did not acknowledge after CALLBACK_MAX_ATTEMPTS attempts; each waits in the portal-adapter for an operator replay.',
  },
  'labsync.deadletter.v1': {
    event: DeadLetterRecorded,
    partitions: 6,
    compacted: false,
    description: 'Messages consumers gave up on, with the reason; replayable.',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = keyof typeof TOPICS;

/** topic name -> payload type; `publish(topic, payload)` only compiles with the payload that topic carries. */
export type TopicMap = { [T in TopicName]: z.infer<(typeof TOPICS)[T]['event']['payload']> };

/** Short names for code that names a topic. */
export const Topic = {
  requestSubmitted: 'labsync.requests.submitted.v1',
  labOrderEvents: 'labsync.lab.order-events.v1',
  correlationStatus: 'labsync.correlation.status.v1',
  correlationAlerts: 'labsync.correlation.alerts.v1',
  portalDeliverySucceeded: 'labsync.portal.delivery-succeeded.v1',
  portalCallbackDeadLetters: 'labsync.portal.callback-dead-letters.v1',
  deadLetter: 'labsync.deadletter.v1',
  catalogEntries: 'labsync.catalog.entries.v1',
  customerAccounts: 'labsync.customers.accounts.v1',
} as const satisfies Record<string, TopicName>;

export function isTopicName(name: string): name is TopicName {
  return Object.prototype.hasOwnProperty.call(TOPICS, name);
}

/** Whether a topic carries tombstones (null values) as deletes. */
export function carriesTombstones(topic: string, registry: TopicRegistry = TOPICS): boolean {
  return registry[topic]?.tombstones === true;
}
