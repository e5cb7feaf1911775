import { LabOrderStatusSchema, LabResultSchema, storableString } from '@labsync/contracts';
import { z } from 'zod';

/**
 * The body of a lab webhook (`POST /v1/lab/events`), the lab's own format. This is the HTTP shape; the
 * Kafka events it becomes (lab.order-event of kind status-changed or result-reported) are mapped from it explicitly.
 */
const LabOrderIdSchema = storableString().trim().min(1).max(128);
const envelope = {
  eventId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
};

export const OrderStatusChangedWebhookSchema = z.object({
  ...envelope,
  type: z.literal('order.status-changed'),
  data: z.object({ labOrderId: LabOrderIdSchema, status: LabOrderStatusSchema }),
});

export const ResultReportedWebhookSchema = z.object({
  ...envelope,
  type: z.literal('result.reported'),
  data: LabResultSchema.extend({ labOrderId: LabOrderIdSchema }),
});

export const LabWebhookSchema = z.discriminatedUnion('type', [OrderStatusChangedWebhookSchema, ResultReportedWebhookSchema]);

export type LabWebhook = z.infer<typeof LabWebhookSchema>;
export type OrderStatusChangedWebhook = z.infer<typeof OrderStatusChangedWebhookSchema>;
export type ResultReportedWebhook = z.infer<typeof ResultReportedWebhookSchema>;
export type LabWebhookType = LabWebhook['type'];
