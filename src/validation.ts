import type { z } from "zod";
import { ApiError, type FieldError } from "./errors";

/** zod issues as API.md's `errors: [{ path, message }]`; unknown keys are named by their own path. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: "is not a known field" }));
    }
    return [{ path: base, message: issue.message }];
  });
}

/** The OpenAPIHono defaultHook: every schema failure becomes a 400 validation_failed problem. */
export function validationHook(result: { success: boolean; error?: unknown }): void {
  if (!result.success) {
    const errors = fieldErrors(result.error as z.ZodError);
    throw new ApiError(400, "validation_failed", "The request is not valid.", { errors });
  }
}
