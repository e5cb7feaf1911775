import { EntitySchema } from 'typeorm';

/** The lab's order id of an accepted correlation (table lab_orders): how lab webhooks find their request. */
export interface LabOrderMapping {
  labOrderId: string;
  correlationId: string;
  acceptedAt: Date;
}

export const LabOrderMappingEntity = new EntitySchema<LabOrderMapping>({
  name: 'LabOrderMapping',
  tableName: 'lab_orders',
  columns: {
    labOrderId: { name: 'lab_order_id', type: 'text', primary: true },
    correlationId: { name: 'correlation_id', type: 'text', unique: true },
    acceptedAt: { name: 'accepted_at', type: 'timestamptz' },
  },
});
