import { Global, Module } from '@nestjs/common';
import { boolFromEnv, intFromEnv, labWebhookSecretFromEnv, parseEnv } from '@labsync/configuration';
import { APP_CONFIG } from '@labsync/service-runtime';
import { z } from 'zod';

/** lab-sim's own variables (the runtime parses PORT, DATABASE_URL, DB_SCHEMA, LOG_LEVEL...). */
export const labSimEnvSchema = z.object({
  /** Where the lab's webhooks go: the lab-adapter's webhook endpoint. */
  LAB_WEBHOOK_URL: z.url().default('http://127.0.0.1:3001/v1/lab/events'),
  /** 0: a lab without webhooks. Changes are still recorded (GET /api/orders/changes serves them), never POSTed. */
  LAB_SIM_WEBHOOKS: boolFromEnv(true),
  /** 1: move every new order through its statuses and report results on its own (the demo). */
  LAB_SIM_AUTO: boolFromEnv(false),
  /** Delay between two auto-pilot steps of an order. */
  LAB_SIM_AUTO_STEP_MS: intFromEnv(400),
  /** How many lab orders get webhooks delivered at the same time (one in flight per order). */
  LAB_SIM_WEBHOOK_CONCURRENCY: intFromEnv(16),
  /** A webhook POST not answered within this is a failed attempt. */
  LAB_SIM_WEBHOOK_TIMEOUT_MS: intFromEnv(5000),
  /** Cap of the exponential backoff between attempts of one webhook. */
  LAB_SIM_WEBHOOK_MAX_BACKOFF_MS: intFromEnv(5000),
  /** With the reorder fault on, how long a webhook waits for the next one of its order before going alone. */
  LAB_SIM_REORDER_HOLD_MS: intFromEnv(2000),
});

export interface LabSimConfig {
  webhookUrl: string;
  webhooksEnabled: boolean;
  webhookSecret: string;
  auto: boolean;
  autoStepMs: number;
  webhookConcurrency: number;
  webhookTimeoutMs: number;
  webhookMaxBackoffMs: number;
  reorderHoldMs: number;
}

export const LAB_SIM_CONFIG = Symbol('LAB_SIM_CONFIG');

export function labSimConfigFromEnv(env: NodeJS.ProcessEnv): LabSimConfig {
  const parsed = parseEnv(labSimEnvSchema, env);
  return {
    webhookUrl: parsed.LAB_WEBHOOK_URL,
    webhooksEnabled: parsed.LAB_SIM_WEBHOOKS,
    webhookSecret: labWebhookSecretFromEnv(env),
    auto: parsed.LAB_SIM_AUTO,
    autoStepMs: parsed.LAB_SIM_AUTO_STEP_MS,
    webhookConcurrency: parsed.LAB_SIM_WEBHOOK_CONCURRENCY,
    webhookTimeoutMs: parsed.LAB_SIM_WEBHOOK_TIMEOUT_MS,
    webhookMaxBackoffMs: parsed.LAB_SIM_WEBHOOK_MAX_BACKOFF_MS,
    reorderHoldMs: parsed.LAB_SIM_REORDER_HOLD_MS,
  };
}

@Global()
@Module({
  // The definition's loadConfig (labSimConfigFromEnv) parsed it at boot.
  providers: [{ provide: LAB_SIM_CONFIG, inject: [APP_CONFIG], useFactory: (config: LabSimConfig) => config }],
  exports: [LAB_SIM_CONFIG],
})
export class LabSimConfigModule {}
