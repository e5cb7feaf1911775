import { HttpException } from '@nestjs/common';
import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * An RFC 9457 problem. Throw it from a controller or use case; the problem filter renders it as
 * application/problem+json. `extensions` become top-level members (e.g. correlationId, errors).
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly problemType = `https://labsync.dev/problems/${slug(title)}`,
  ) {
    super(detail, status);
  }
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export class ValidationProblem extends ProblemException {
  constructor(errors: FieldError[], detail = 'The request body is invalid; see errors for each field.') {
    super(400, 'Invalid request', detail, { errors }, 'https://labsync.dev/problems/validation');
  }
}

export function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? `/${issue.path.map(String).join('/')}` : '/',
    message: issue.message,
  }));
}

/** Parses `input` with a zod schema or throws a 400 problem listing every field path that is wrong. */
export function parseOrProblem<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationProblem(fieldErrorsOf(result.error));
  return result.data;
}
