import { z } from 'zod';
import { ConfigError } from './parse-env';

/** A partner portal allowed to call the partner API, and where its notifications go. */
export const PartnerSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case id such as "acme"'),
  apiKey: z.string().min(8, 'must be at least 8 characters'),
  callbackUrl: z.url(),
  callbackSecret: z.string().min(8, 'must be at least 8 characters'),
});
export type Partner = z.infer<typeof PartnerSchema>;

const PartnersSchema = z
  .array(PartnerSchema)
  .min(1)
  .superRefine((partners, ctx) => {
    const ids = new Set<string>();
    const keys = new Set<string>();
    partners.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate partner id "${p.id}"` });
      if (keys.has(p.apiKey)) ctx.addIssue({ code: 'custom', path: [i, 'apiKey'], message: 'duplicate apiKey' });
      ids.add(p.id);
      keys.add(p.apiKey);
    });
  });

/**
 * The development partners of the local stack (documented in the README). They exist only when PARTNERS is
 * unset and NODE_ENV is not production; their callbacks go to portal-sim.
 */
export function developmentPartners(portalSimUrl = 'http://127.0.0.1:4000'): Partner[] {
  return [
    { id: 'acme', apiKey: 'dev-acme-key', callbackUrl: `${portalSimUrl}/callbacks/acme`, callbackSecret: 'dev-acme-callback-secret' },
    { id: 'globex', apiKey: 'dev-globex-key', callbackUrl: `${portalSimUrl}/callbacks/globex`, callbackSecret: 'dev-globex-callback-secret' },
  ];
}

/**
 * PARTNERS is a JSON array of { id, apiKey, callbackUrl, callbackSecret }. Unset: the development partners,
 * except in production, where starting without explicit partners is refused.
 */
export function partnersFromEnv(env: NodeJS.ProcessEnv = process.env): Partner[] {
  const raw = env['PARTNERS'];
  if (!raw) {
    if (env['NODE_ENV'] === 'production') {
      throw ConfigError.of('PARTNERS', 'PARTNERS must be set when NODE_ENV=production (a JSON array of {id, apiKey, callbackUrl, callbackSecret})');
    }
    return developmentPartners(env['PORTAL_SIM_URL'] || undefined);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw ConfigError.of('PARTNERS', `PARTNERS is not valid JSON: ${(error as Error).message}`);
  }
  const result = PartnersSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `PARTNERS[${i.path.join('.')}]: ${i.message}`);
    throw ConfigError.of('PARTNERS', `PARTNERS is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Shared secret the lab signs its webhooks with (lab-sim signs, lab-adapter verifies). */
export const DEV_LAB_WEBHOOK_SECRET = 'dev-lab-webhook-secret';

export function labWebhookSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env['LAB_WEBHOOK_SECRET'];
  if (secret) {
    if (secret.length < 16) throw ConfigError.of('LAB_WEBHOOK_SECRET', 'LAB_WEBHOOK_SECRET must be at least 16 characters');
    return secret;
  }
  if (env['NODE_ENV'] === 'production') throw ConfigError.of('LAB_WEBHOOK_SECRET', 'LAB_WEBHOOK_SECRET must be set when NODE_ENV=production');
  return DEV_LAB_WEBHOOK_SECRET;
}
