import type { Customer, LabOrderStatus, Priority } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';

export interface OrderedSample {
  sampleId: string;
  matrix: string;
  description?: string;
  collectedAt: string;
  tests: string[];
}

/** A lab order as the LIMS stores it (table lab_orders). */
export interface LabOrder {
  labOrderId: string;
  externalRef: string;
  customer: Customer;
  priority: Priority;
  notes: string | null;
  samples: OrderedSample[];
  status: LabOrderStatus;
  postCount: number;
  autoStep: number;
  nextAutoStepAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const LabOrderEntity = new EntitySchema<LabOrder>({
  name: 'LabOrder',
  tableName: 'lab_orders',
  columns: {
    labOrderId: { name: 'lab_order_id', type: 'text', primary: true },
    externalRef: { name: 'external_ref', type: 'text', unique: true },
    customer: { type: 'jsonb' },
    priority: { type: 'text' },
    notes: { type: 'text', nullable: true },
    samples: { type: 'jsonb' },
    status: { type: 'text' },
    postCount: { name: 'post_count', type: 'integer' },
    autoStep: { name: 'auto_step', type: 'integer' },
    nextAutoStepAt: { name: 'next_auto_step_at', type: 'timestamptz', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
  },
});
